// The meeting page opened at a moment (?t=seconds, from a search result, a chat citation, a decision or an
// action item): the transcript scrolls to the line that holds that moment and marks it, and the player
// starts there.
(function () {
  "use strict";
  const moment = parseFloat(new URLSearchParams(window.location.search).get("t"));
  if (!Number.isFinite(moment)) return;

  // Links carry whole seconds: ?t=5 points at a line that starts at 0:05.3, not at the one that began at
  // 0:02 and is still running at 0:05. So a line starting within that second wins; then the line (or gap)
  // that contains the moment; then the next one after it.
  function lineAt(t) {
    const lines = Array.from(document.querySelectorAll("#transcript-segments > .segment"));
    const start = (el) => parseFloat(el.dataset.start) || 0;
    const end = (el) => parseFloat(el.dataset.end) || start(el);
    return (
      lines.find((el) => start(el) >= t && start(el) < t + 1) ||
      lines.find((el) => start(el) <= t && t < end(el)) ||
      lines.find((el) => start(el) > t) ||
      null
    );
  }

  const line = lineAt(moment);
  const seekTo = line && Math.abs(parseFloat(line.dataset.start) - moment) < 1 ? parseFloat(line.dataset.start) : moment;
  if (line) {
    line.classList.add("moment");
    line.scrollIntoView({ block: "center" });
  }
  const player = document.getElementById("player");
  if (!player) return;
  function go() { player.currentTime = seekTo; }
  if (player.readyState >= 1) go(); else player.addEventListener("loadedmetadata", go, { once: true });
})();
