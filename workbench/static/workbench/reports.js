// The 通报 page: the print button prints the page (its print stylesheet leaves only the report).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
}());
