// Inline checks: when a field of a form with data-validate loses focus, the whole form is
// posted to that address and the server's answer ({errors: {field: text}}) is shown next to
// each field the person has already visited. The same checks run again on submit, server
// side, so a page without JS loses nothing.
(function () {
  document.querySelectorAll("form[data-validate]").forEach(function (form) {
    var visited = {};
    var pending = 0;
    function show(errors) {
      form.querySelectorAll(".field[data-field]").forEach(function (box) {
        var name = box.getAttribute("data-field");
        var error = box.querySelector(".error");
        if (!error) { return; }  // a field with nothing to check (a write-only password)
        if (visited[name]) { error.textContent = errors[name] || ""; }
        var bad = !!error.textContent;
        box.classList.toggle("has-error", bad);
        box.querySelectorAll("input, select, textarea").forEach(function (input) {
          input.setAttribute("aria-invalid", bad ? "true" : "false");
        });
      });
    }
    function check() {
      var mine = ++pending;
      form.setAttribute("aria-busy", "true");
      fetch(form.getAttribute("data-validate"), {method: "POST", body: new FormData(form)})
        .then(function (r) { return r.ok ? r.json() : {errors: {}}; })
        .then(function (answer) { if (mine === pending) { show(answer.errors || {}); } })
        .catch(function () {})
        .finally(function () { if (mine === pending) { form.removeAttribute("aria-busy"); } });
    }
    form.addEventListener("focusout", function (event) {
      var name = event.target.name;
      if (!name || event.target.type === "hidden") { return; }
      visited[name] = true;
      check();
    });
  });
})();
