// On narrow screens the header's menu folds away behind a button. This runs right after the header
// (not deferred) so the menu is folded before the first paint; without it the button stays hidden and the
// menu simply shows, stacked.
(function () {
  var button = document.querySelector("[data-menu-toggle]");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) return;

  function isOpen() {
    return button.getAttribute("aria-expanded") === "true";
  }
  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    setOpen(!isOpen());
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && isOpen() && (menu.contains(document.activeElement) || document.activeElement === button)) {
      setOpen(false);
      button.focus();
    }
  });
})();
