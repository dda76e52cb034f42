// Meeting page: the transcript and minutes panels reload themselves on "transcript-changed", which the
// processing-status panel receives when a job finishes. A panel with an edit open inside it (the
// selector in its data-refresh-waits-for) is left alone, since reloading would throw the unsaved text
// away; it shows its data-refresh-notice instead, whose button loads the new version when the reader
// is ready. (Saving or cancelling a speaker name or the minutes swaps in a fresh panel anyway; a
// segment's edit form cannot close by itself once the re-run replaced its segment.)
(function () {
  "use strict";
  if (window.NexoPanelRefresh) return;
  window.NexoPanelRefresh = true;

  function editing(panel) {
    var selector = panel.dataset && panel.dataset.refreshWaitsFor;
    return Boolean(selector && panel.querySelector(selector));
  }

  document.addEventListener("htmx:confirm", function (event) {
    var trigger = event.detail.triggeringEvent;
    var panel = event.detail.elt;
    if (!trigger || trigger.type !== "transcript-changed" || !editing(panel)) return;
    event.preventDefault();
    var notice = panel.querySelector("[data-refresh-notice]");
    if (notice) notice.hidden = false;
  });
})();
