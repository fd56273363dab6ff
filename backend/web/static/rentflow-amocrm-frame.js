// Tell the amoCRM widget hosting this page (script.js, in the lead card's narrow column) how
// tall the page is, so its frame fits it without a second scrollbar. Only the height is sent:
// no token, nothing of the page, so any parent may hear it; script.js checks that the message
// comes from its own frame and from rentflow's origin.
(function () {
  if (window.parent === window) { return; }
  var last = 0;
  function tell() {
    // the body's own bottom: the document's scrollHeight never drops below the frame's height
    var body = document.body;
    var margin = parseFloat(window.getComputedStyle(body).marginBottom) || 0;
    var height = Math.ceil(body.getBoundingClientRect().bottom + window.scrollY + margin);
    if (height !== last) {
      last = height;
      window.parent.postMessage({rentflow: "height", height: height}, "*");
    }
  }
  window.addEventListener("load", tell);
  if (window.ResizeObserver) { new ResizeObserver(tell).observe(document.body); }
  tell();
})();
