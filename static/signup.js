// Progressive enhancement for the sign-up form: checks the IBAN as it is typed (the server
// always checks again) and says so in the field's one message, the server's if it gave one.
// A check on leaving the field waits while a finger or mouse is down: the message would move
// the button away from under a tap that is landing on it.
(function () {
  var field = document.getElementById("iban");
  if (!field) return;
  var note = document.getElementById("iban-error");
  if (!note) {
    note = document.createElement("p");
    note.className = "field-error";
    note.id = "iban-error";
    field.parentNode.insertBefore(note, field);
  }
  note.setAttribute("aria-live", "polite");
  field.setAttribute("aria-describedby", "iban-error");
  var valid = function (value) {
    var iban = value.replace(/\s+/g, "").toUpperCase();
    if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
    var digits = (iban.slice(4) + iban.slice(0, 4)).replace(/[A-Z]/g, function (c) { return c.charCodeAt(0) - 55; });
    var rest = 0;
    for (var i = 0; i < digits.length; i += 7) rest = parseInt(String(rest) + digits.slice(i, i + 7), 10) % 97;
    return rest === 1;
  };
  var check = function () {
    var bad = field.value.trim() !== "" && !valid(field.value);
    note.textContent = bad ? field.getAttribute("data-invalid") : "";
    note.hidden = !bad;
    field.setAttribute("aria-invalid", bad ? "true" : "false");
    field.parentNode.classList.toggle("has-error", bad);
  };
  var pressed = false;
  var waiting = false;
  document.addEventListener("pointerdown", function () { pressed = true; }, true);
  var released = function () {
    pressed = false;
    if (waiting) {
      waiting = false;
      // After the click this press makes (a submit leaves the page anyway).
      setTimeout(check, 0);
    }
  };
  document.addEventListener("pointerup", released, true);
  document.addEventListener("pointercancel", released, true);
  field.addEventListener("blur", function () {
    if (pressed) waiting = true;
    else check();
  });
  field.addEventListener("input", function () { if (note.textContent) check(); });
})();
