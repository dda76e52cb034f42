// The meeting page opened at a moment (?t=seconds, from the decision log or action items): start the player there.
(function () {
  const start = parseFloat(new URLSearchParams(window.location.search).get("t"));
  const player = document.getElementById("player");
  if (!player || !Number.isFinite(start)) return;
  function go() { player.currentTime = start; }
  if (player.readyState >= 1) go(); else player.addEventListener("loadedmetadata", go, { once: true });
  const segment = document.querySelector('[data-start="' + Math.floor(start) + '"]');
  if (segment) segment.scrollIntoView({ block: "center" });
})();
