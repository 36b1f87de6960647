// For the merchant's website, next to the sign-up iFrame: resizes the frame to its content and,
// after a sign-up, follows the page's success address. Only messages from Abbo's origin count.
(function () {
  var script = document.currentScript;
  var abbo = new URL(script.src).origin;
  window.addEventListener("message", function (event) {
    if (event.origin !== abbo || !event.data || typeof event.data.type !== "string") return;
    var frames = document.querySelectorAll("iframe[src^='" + abbo + "/s/']");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow !== event.source) continue;
      if (event.data.type === "abbo:resize" && event.data.height > 0) {
        frames[i].style.height = event.data.height + "px";
      } else if (event.data.type === "abbo:signed-up" && /^https:\/\//.test(event.data.redirect || "")) {
        window.location.href = event.data.redirect;
      }
    }
  });
})();
