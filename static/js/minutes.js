// Minutes panel: a decision, action item or topic time seeks the meeting's audio player.
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
})();
