// For the merchant's website, next to the sign-up iFrame: fits the frame to its content, brings
// the frame's news into view after a submit, fires an `abbo:signed-up` event on the frame
// element ({detail: {channel: "email" | "sms"}}) when the customer has signed up and must now
// confirm, and takes the whole window to the payment page of an online sign-up. A frame that
// never speaks (this website is not one of the page's allowed sites) is replaced by a link that
// opens the form in a new tab. Only messages from Abbo's origin count.
(function () {
  var script = document.currentScript;
  var abbo = new URL(script.src).origin;
  var texts = {
    en: "The sign-up form cannot be shown here. Open the form in a new tab",
    nl: "Het aanmeldformulier kan hier niet worden getoond. Open het formulier in een nieuw tabblad",
    fr: "Le formulaire d'inscription ne peut pas s'afficher ici. Ouvrir le formulaire dans un nouvel onglet",
    de: "Das Anmeldeformular kann hier nicht angezeigt werden. Formular in einem neuen Tab öffnen"
  };
  var frames = function () { return document.querySelectorAll("iframe[src^='" + abbo + "/s/']"); };
  var heard = [];
  var fallback = function (frame) {
    if (heard.indexOf(frame) >= 0 || frame.getAttribute("data-abbo-fallback")) return;
    var lang = (document.documentElement.lang || "en").slice(0, 2).toLowerCase();
    var link = document.createElement("a");
    link.href = frame.src.replace(/([?&])embed=1&?/, "$1").replace(/[?&]$/, "");
    link.target = "_blank";
    link.rel = "noopener";
    link.className = "abbo-fallback";
    link.textContent = texts[lang] || texts.en;
    frame.setAttribute("data-abbo-fallback", "1");
    frame.style.display = "none";
    frame.parentNode.insertBefore(link, frame.nextSibling);
  };
  var heardFrom = function (frame) {
    if (heard.indexOf(frame) < 0) heard.push(frame);
    if (frame.getAttribute("data-abbo-fallback")) {
      frame.removeAttribute("data-abbo-fallback");
      frame.style.display = "";
      var link = frame.nextSibling;
      if (link && link.className === "abbo-fallback") link.parentNode.removeChild(link);
    }
  };
  var list = frames();
  for (var i = 0; i < list.length; i++) {
    (function (frame) {
      // A refused frame still fires load (with the browser's error page) but never speaks.
      frame.addEventListener("load", function () {
        setTimeout(function () { fallback(frame); }, 2500);
      });
      if (frame.contentWindow) frame.contentWindow.postMessage({ type: "abbo:ping" }, abbo);
    })(list[i]);
  }
  window.addEventListener("message", function (event) {
    if (event.origin !== abbo || !event.data || typeof event.data.type !== "string") return;
    var all = frames();
    for (var i = 0; i < all.length; i++) {
      var frame = all[i];
      if (frame.contentWindow !== event.source) continue;
      heardFrom(frame);
      var data = event.data;
      if (data.type === "abbo:resize" && data.height > 0) {
        frame.style.height = data.height + "px";
        frame.contentWindow.postMessage({ type: "abbo:sized" }, abbo);
      } else if (data.type === "abbo:look" && data.top >= 0) {
        var top = frame.getBoundingClientRect().top + data.top;
        if (top < 0 || top > window.innerHeight - 80) {
          window.scrollTo(0, Math.max(0, window.scrollY + top - 16));
        }
      } else if (data.type === "abbo:signed-up") {
        frame.dispatchEvent(new CustomEvent("abbo:signed-up", { bubbles: true, detail: { channel: data.channel } }));
      } else if (data.type === "abbo:pay" && typeof data.url === "string" &&
          (/^https:\/\//.test(data.url) || data.url.indexOf(abbo + "/") === 0)) {
        window.location.href = data.url;
      }
    }
  });
})();
