// Runs inside an embedded sign-up page: tells the embedding page (only if it is one of the
// page's allowed origins) how tall the form is, and when the sign-up is done.
(function () {
  if (window.parent === window) return;
  var allowed = (document.body.getAttribute("data-allowed-origins") || "").split(" ").filter(Boolean);
  var parentOrigin = (location.ancestorOrigins && location.ancestorOrigins[0]) ||
    (document.referrer ? new URL(document.referrer).origin : "");
  if (allowed.indexOf(parentOrigin) < 0) return;
  var send = function (message) { window.parent.postMessage(message, parentOrigin); };
  var height = 0;
  var report = function () {
    var h = document.documentElement.scrollHeight;
    if (h !== height) { height = h; send({ type: "abbo:resize", height: h }); }
  };
  report();
  if (window.ResizeObserver) new ResizeObserver(report).observe(document.body);
  window.addEventListener("load", report);
  var done = document.body.getAttribute("data-signed-up");
  if (done !== null) send({ type: "abbo:signed-up", redirect: done });
})();
