// Fit the portal's frame to the page (BX24.fitWindow), through Bitrix24's JS SDK served by
// rentflow (vendor/b24jssdk, no CDN), on load and again whenever the page changes size after
// it (an inline error under a field, a details opened, a row added): a frame fitted once
// would cut off or leave a gap. Outside a portal (the sandbox shows pages in its own iframe,
// without DOMAIN and APP_SID in the address) the SDK refuses to start: nothing to do.
(function () {
  if (!window.B24Js || window.parent === window) { return; }
  var install = document.body.hasAttribute("data-install-finish");
  window.B24Js.initializeB24Frame().then(function (b24) {
    var queued = false;
    function fit() {
      queued = false;
      Promise.resolve(b24.parent.fitWindow()).catch(function () {});
    }
    function fitSoon() {  // one fit a frame, however many changes came in it
      if (!queued) { queued = true; window.requestAnimationFrame(fit); }
    }
    fit();
    if (install) { b24.installFinish(); }
    if (window.ResizeObserver) { new ResizeObserver(fitSoon).observe(document.body); }
  }).catch(function () {});
})();
