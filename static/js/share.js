// Guest view: timestamps seek the player; ?t=seconds starts there.
(function () {
  const player = document.getElementById("player");
  if (!player) return;
  function seek(seconds) {
    if (!Number.isFinite(seconds)) return;
    player.currentTime = seconds;
    player.play().catch(function () {});
  }
  document.addEventListener("click", function (event) {
    const target = event.target.closest("[data-seek]");
    if (!target) return;
    event.preventDefault();
    seek(parseFloat(target.dataset.seek));
  });
  const start = parseFloat(new URLSearchParams(window.location.search).get("t"));
  if (Number.isFinite(start)) {
    player.addEventListener("loadedmetadata", function () { player.currentTime = start; }, { once: true });
  }
})();
