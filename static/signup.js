// Progressive enhancement for the sign-up form: checks the IBAN as it is typed (the server
// always checks again) and says so next to the field.
(function () {
  var field = document.getElementById("iban");
  if (!field) return;
  var note = document.createElement("p");
  note.className = "field-error";
  note.id = "iban-live";
  note.setAttribute("aria-live", "polite");
  field.parentNode.insertBefore(note, field);
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
    field.setAttribute("aria-invalid", bad ? "true" : "false");
  };
  field.addEventListener("blur", check);
  field.addEventListener("input", function () { if (note.textContent) check(); });
})();
