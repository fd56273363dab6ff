// A landlord's accounts: "Add an account" adds a row of empty fields, numbered after the
// rows there are (bank_bic-2, bank_name-2...). A row leaves by its "Remove this account"
// box, checked by the server (an account a lease is paid to stays, said next to it).
(function () {
  var list = document.getElementById("accounts");
  var template = document.getElementById("account-row-template");
  var add = document.getElementById("add-account");
  if (!list || !template || !add) { return; }
  add.addEventListener("click", function () {
    var row = list.getAttribute("data-next-row");
    list.setAttribute("data-next-row", String(Number(row) + 1));
    var html = template.innerHTML.split("__row__").join(row);
    list.insertAdjacentHTML("beforeend", html);
    var added = list.lastElementChild;
    var first = added && added.querySelector("input[name^=bank_bic]");
    if (first) { first.focus(); }
  });
})();
