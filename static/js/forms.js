// Behaviour that templates declare with data- attributes, so no page needs an inline script or an
// onclick= handler (the Content-Security-Policy allows scripts from our own files only).
//   <select data-autosubmit>      submits its form when changed
//   <form data-confirm="...">     asks before submitting
//   <input data-select-on-click>  selects its text when clicked (share and invitation links)
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-autosubmit]") && target.form) {
      target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-select-on-click]")) {
      target.select();
    }
  });
})();
