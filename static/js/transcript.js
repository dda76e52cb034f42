// Transcript panel: clicking a word, a segment time or a timeline block seeks the audio player;
// while the audio plays the current segment (and word) is highlighted and kept in view, unless
// the reader scrolled away (then a "Follow the audio" button brings it back).
(function () {
  "use strict";
  if (window.NexoTranscript) return; // the panel is swapped in by htmx; bind once per page
  window.NexoTranscript = true;

  var state = { segments: null, starts: null, current: null, word: null, follow: true, autoScrollAt: 0 };

  function player() {
    return document.getElementById("player") || document.querySelector("audio");
  }

  function list() {
    return document.getElementById("transcript-segments");
  }

  function index() {
    if (state.segments) return;
    var root = list();
    var items = root ? Array.prototype.slice.call(root.querySelectorAll(":scope > .segment")) : [];
    // Sorted by time, whatever the list order, so the binary search holds after edits and merges.
    items.sort(function (a, b) { return (parseFloat(a.dataset.start) || 0) - (parseFloat(b.dataset.start) || 0); });
    state.segments = items;
    state.starts = items.map(function (el) { return parseFloat(el.dataset.start) || 0; });
  }

  function reset() {
    state.segments = null;
    state.current = null;
    state.word = null;
  }

  // The last item whose start is <= t (-1 when t is before the first).
  function lastAtOrBefore(starts, t) {
    var lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  function seek(seconds) {
    var audio = player();
    if (!audio || isNaN(seconds)) return;
    audio.currentTime = Math.max(0, seconds);
    state.follow = true;
    toggleFollowButton();
    if (audio.paused) {
      var playing = audio.play();
      if (playing && playing.catch) playing.catch(function () {});
    }
    highlight(audio.currentTime);
  }

  function scrollIntoList(el) {
    var root = list();
    if (!root || !el) return;
    // from the rectangles, not offsetTop: the list is positioned, so offsets would mix two origins
    var top = el.getBoundingClientRect().top - root.getBoundingClientRect().top + root.scrollTop;
    var bottom = top + el.offsetHeight;
    if (top < root.scrollTop || bottom > root.scrollTop + root.clientHeight) {
      state.autoScrollAt = Date.now();
      root.scrollTop = Math.max(0, top - root.clientHeight / 3);
    }
  }

  function highlightWord(segment, t) {
    var words = segment ? segment.querySelectorAll(".w") : [];
    var found = null;
    if (words.length) {
      var starts = Array.prototype.map.call(words, function (w) { return parseFloat(w.dataset.start) || 0; });
      var i = lastAtOrBefore(starts, t);
      if (i >= 0) found = words[i];
    }
    if (found === state.word) return;
    if (state.word) state.word.classList.remove("current");
    if (found) found.classList.add("current");
    state.word = found;
  }

  function moveCursor(t) {
    var panel = document.getElementById("transcript-panel");
    if (!panel) return;
    var duration = parseFloat(panel.dataset.duration) || (player() && player().duration) || 0;
    if (!duration) return;
    var left = Math.min(100, Math.max(0, (100 * t) / duration)) + "%";
    panel.querySelectorAll(".timeline-cursor").forEach(function (cursor) {
      cursor.hidden = false;
      cursor.style.left = left;
    });
  }

  function highlight(t) {
    index();
    moveCursor(t);
    var i = lastAtOrBefore(state.starts, t);
    var segment = null;
    if (i >= 0) {
      var end = parseFloat(state.segments[i].dataset.end) || state.starts[i];
      if (t <= end + 0.5) segment = state.segments[i];
    }
    if (segment !== state.current) {
      if (state.current) state.current.classList.remove("current");
      if (segment) {
        segment.classList.add("current");
        if (state.follow) scrollIntoList(segment);
      }
      state.current = segment;
    }
    highlightWord(segment, t);
  }

  function toggleFollowButton() {
    var button = document.querySelector("#transcript-panel .follow-button");
    if (button) button.hidden = state.follow;
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-seek], .segment .w");
    if (!target || !target.closest("#transcript-panel")) {
      if (event.target.closest(".follow-button")) {
        state.follow = true;
        toggleFollowButton();
        if (state.current) scrollIntoList(state.current);
      }
      return;
    }
    if (target.closest(".segment.editing")) return;
    event.preventDefault();
    seek(parseFloat(target.dataset.seek || target.dataset.start));
  });

  document.addEventListener(
    "scroll",
    function (event) {
      if (event.target !== list()) return;
      if (Date.now() - state.autoScrollAt < 250) return;
      var audio = player();
      if (audio && !audio.paused) {
        state.follow = false;
        toggleFollowButton();
      }
    },
    true
  );

  document.addEventListener(
    "timeupdate",
    function (event) {
      if (event.target === player()) highlight(event.target.currentTime);
    },
    true
  );

  document.addEventListener("htmx:afterSettle", function () {
    reset();
    var audio = player();
    if (audio && audio.currentTime) highlight(audio.currentTime);
  });
})();
