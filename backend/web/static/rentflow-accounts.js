// A landlord's accounts. On its form, "Add an account" adds a row of empty fields, numbered
// after the rows there are (bank_bic-2, bank_name-2...); a row leaves by its "Remove this
// account" box, checked by the server (an account a lease is paid to stays, said next to it).
// On the lease form, the account select (data-follows="landlord") offers only the chosen
// landlord's accounts; the server refuses another landlord's anyway.
(function () {
  var list = document.getElementById("accounts");
  var template = document.getElementById("account-row-template");
  var add = document.getElementById("add-account");
  if (list && template && add) {
    add.addEventListener("click", function () {
      var row = list.getAttribute("data-next-row");
      list.setAttribute("data-next-row", String(Number(row) + 1));
      list.insertAdjacentHTML("beforeend", template.innerHTML.split("__row__").join(row));
      var added = list.lastElementChild;
      var first = added && added.querySelector("input[name^=bank_bic]");
      if (first) { first.focus(); }
    });
  }
  document.querySelectorAll("select[data-follows]").forEach(function (select) {
    var owner = select.form && select.form.querySelector(
      "[name=" + select.getAttribute("data-follows") + "]");
    if (!owner) { return; }
    function sync() {
      Array.prototype.forEach.call(select.options, function (option) {
        var mine = !option.value || option.getAttribute("data-landlord") === owner.value;
        option.hidden = !mine;
        option.disabled = !mine;
        if (!mine && option.selected) { select.value = ""; }
      });
    }
    owner.addEventListener("change", sync);
    sync();
  });
})();
