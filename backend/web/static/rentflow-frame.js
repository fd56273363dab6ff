// Fit the portal's frame to the page (BX24.fitWindow), through Bitrix24's JS SDK served by
// rentflow (vendor/b24jssdk, no CDN). Outside a portal (the sandbox shows pages in its own
// iframe, without DOMAIN and APP_SID in the address) the SDK refuses to start: nothing to do.
(function () {
  if (!window.B24Js || window.parent === window) { return; }
  var install = document.body.hasAttribute("data-install-finish");
  window.B24Js.initializeB24Frame().then(function (b24) {
    b24.parent.fitWindow();
    if (install) { b24.installFinish(); }
  }).catch(function () {});
})();
