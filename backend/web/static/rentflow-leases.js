// The leases section: a form button marked data-once is disabled once its form is sent, so
// a double click sends one request (the server refuses a second document anyway).
(function () {
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[data-once]");
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
    });
  });
})();
