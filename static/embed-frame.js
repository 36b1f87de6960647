// Runs inside an embedded sign-up page: tells the embedding page (only if it is one of the
// page's allowed origins) how tall the page is, which part to bring into view after a submit,
// and what happened: signed up (check your email or phone), or off to pay.
(function () {
  if (window.parent === window) return;
  var body = document.body;
  var allowed = (body.getAttribute("data-allowed-origins") || "").split(" ").filter(Boolean);
  var parentOrigin = (location.ancestorOrigins && location.ancestorOrigins[0]) ||
    (document.referrer ? new URL(document.referrer).origin : "");
  if (allowed.indexOf(parentOrigin) < 0) return;
  var send = function (message) { window.parent.postMessage(message, parentOrigin); };
  // The page's own height: the document element's box, which (unlike scrollHeight) is not
  // stretched to the frame, so the frame shrinks as well as grows.
  var height = 0;
  var report = function (always) {
    var h = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (h > 0 && (always === true || h !== height)) {
      height = h;
      send({ type: "abbo:resize", height: h });
      return true;
    }
    return false;
  };
  // After a submit: the part to bring into view (the error summary, the message), told once the
  // frame fits, since fitting reflows the page (a scroll bar gone) and moves it.
  var look = body.getAttribute("data-look");
  var target = look && document.getElementById(look);
  report(true);
  if (window.ResizeObserver) new ResizeObserver(report).observe(document.documentElement);
  window.addEventListener("load", report);
  // embed.js asks when it starts after the frame (a deferred script): answer with the height.
  // It also says when it has resized the frame: a browser does not lay out a frame that is off
  // screen, so no observer sees what the new size did to the page (a scroll bar gone); measuring
  // now does, and answers only if the height changed.
  window.addEventListener("message", function (event) {
    if (event.origin !== parentOrigin || !event.data) return;
    if (event.data.type === "abbo:ping") report(true);
    else if (event.data.type === "abbo:sized" && !report(false) && target) {
      send({ type: "abbo:look", top: Math.floor(target.getBoundingClientRect().top + window.scrollY) });
      target = null;
    }
  });
  var channel = body.getAttribute("data-signed-up");
  if (channel) send({ type: "abbo:signed-up", channel: channel });
  var pay = body.getAttribute("data-pay");
  if (pay) send({ type: "abbo:pay", url: pay });
})();
