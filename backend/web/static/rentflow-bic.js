// The bank by its BIC: when the BIC field of a form with data-bank-lookup loses focus, the
// form is posted there and the Bank of Russia's directory answers. A known bank fills the
// bank's name and correspondent account (both stay editable) and its city is said under the
// BIC; a BIC the loaded directory lacks is said there too. A field the person typed into
// while the answer was on its way is left as they typed it.
(function () {
  document.querySelectorAll("form[data-bank-lookup]").forEach(function (form) {
    var bic = form.querySelector("[name=bank_bic]");
    var note = form.querySelector("#n-bank_bic");
    var name = form.querySelector("[name=bank_name]");
    var corr = form.querySelector("[name=bank_corr_account]");
    if (!bic || !note || !name || !corr) { return; }
    var asked = bic.value;  // the stored landlord's BIC: its bank is what the form shows
    var pending = 0;
    function fill(input, value, before) {
      if (value && input.value === before && input.value !== value) {
        input.value = value;
        input.dispatchEvent(new Event("change", {bubbles: true}));
        return true;
      }
      return false;
    }
    bic.addEventListener("blur", function () {
      var value = bic.value.trim();
      if (value === asked && note.textContent) { return; }
      var mine = ++pending;
      var before = {name: name.value, corr: corr.value};
      fetch(form.getAttribute("data-bank-lookup"), {method: "POST", body: new FormData(form)})
        .then(function (r) { return r.ok ? r.json() : {}; })
        .then(function (answer) {
          if (mine !== pending) { return; }
          note.textContent = answer.note || "";
          note.classList.toggle("note-warning", answer.known === "unknown");
          if (answer.known === "found" && value !== asked) {
            var filled = [fill(name, answer.bank.name, before.name),
                          fill(corr, answer.bank.corr_account, before.corr)];
            // the inline check (rentflow-forms.js) runs again on what is filled now, so an
            // error it gave the empty field before goes
            [name, corr].forEach(function (input, i) {
              if (filled[i]) { input.dispatchEvent(new FocusEvent("focusout", {bubbles: true})); }
            });
          }
          asked = value;
        })
        .catch(function () {});
    });
  });
})();
