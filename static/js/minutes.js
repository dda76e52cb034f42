// Minutes panel: a decision, action item or topic time seeks the meeting's audio player, and an edit that
// could not be read comes back with the cursor on the line at fault.
// The transcript script already handles [data-seek] links page-wide; this covers pages without it.
(function () {
  "use strict";
  if (window.NexoMinutes) return;
  window.NexoMinutes = true;

  document.addEventListener("click", function (event) {
    var link = event.target.closest(".minutes-panel [data-seek]");
    if (!link) return;
    event.preventDefault();
    if (window.NexoTranscript) return; // transcript.js seeks (and highlights) itself
    var audio = document.getElementById("player") || document.querySelector("audio");
    var seconds = parseFloat(link.dataset.seek);
    if (!audio || isNaN(seconds)) return;
    audio.currentTime = Math.max(0, seconds);
    var playing = audio.play();
    if (playing && playing.catch) playing.catch(function () {});
  });

  function showErrorLine() {
    var area = document.querySelector("#minutes-markdown[data-error-line]");
    if (!area) return;
    var line = parseInt(area.dataset.errorLine, 10);
    var lines = area.value.split("\n");
    if (isNaN(line) || line < 1 || line > lines.length) return;
    var start = lines.slice(0, line - 1).join("\n").length + (line > 1 ? 1 : 0);
    area.focus();
    area.setSelectionRange(start, start + lines[line - 1].length);
    var height = parseFloat(getComputedStyle(area).lineHeight) || 20;
    area.scrollTop = Math.max(0, (line - 3) * height);
  }
  document.addEventListener("htmx:afterSwap", showErrorLine);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showErrorLine);
  else showErrorLine();
})();
