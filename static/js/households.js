// Household pages. Kept in a static file: the Content-Security-Policy
// forbids inline scripts.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
})();
