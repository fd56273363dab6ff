// The bank by its BIC: when a BIC field (bank_bic, bank_bic-1...) of a form with
// data-bank-lookup loses focus, its value is posted there and the Bank of Russia's directory
// answers. A known bank fills the bank's name and correspondent account of the same account
// row (both stay editable) and its city is said under the BIC; a BIC the loaded directory
// lacks is said there too. A field the person typed into while the answer was on its way is
// left as they typed it. Rows added later (rentflow-accounts.js) work the same way.
(function () {
  function fill(input, value, before) {
    if (value && input.value === before && input.value !== value) {
      input.value = value;
      input.dispatchEvent(new Event("change", {bubbles: true}));
      return true;
    }
    return false;
  }
  function lookUp(form, bic) {
    var row = bic.closest("[data-account-row]") || form;
    var note = row.querySelector("[data-bic-note]");
    var name = row.querySelector("[name^=bank_name]");
    var corr = row.querySelector("[name^=bank_corr_account]");
    if (!note || !name || !corr) { return; }
    // the stored account's BIC: its bank is what the form shows
    if (bic.dataset.asked === undefined) { bic.dataset.asked = bic.defaultValue; }
    var asked = bic.dataset.asked;
    var value = bic.value.trim();
    if (value === asked && note.textContent) { return; }
    var mine = String(Number(bic.dataset.pending || 0) + 1);
    bic.dataset.pending = mine;
    var before = {name: name.value, corr: corr.value};
    // the BIC and the frame's fields only: not the whole form with its chosen images
    var body = new FormData();
    ["t", "lang"].forEach(function (key) {
      if (form.elements[key]) { body.set(key, form.elements[key].value); }
    });
    body.set("bank_bic", value);
    fetch(form.getAttribute("data-bank-lookup"), {method: "POST", body: body})
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (answer) {
        if (mine !== bic.dataset.pending) { return; }
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
        bic.dataset.asked = value;
      })
      .catch(function () {});
  }
  document.querySelectorAll("form[data-bank-lookup]").forEach(function (form) {
    form.addEventListener("focusout", function (event) {
      var input = event.target;
      if (input.name && /^bank_bic(-\d+)?$/.test(input.name)) { lookUp(form, input); }
    });
  });
})();
