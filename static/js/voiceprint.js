// Your voice from a recording (preferences page): a recording made with recorder.js (its "upload:file"
// event) or a chosen file is sent with the consent box, and the page follows its state until a speech
// worker has taken the voice out of it. Without JavaScript the form posts and the page shows the state.
(function () {
  "use strict";

  var POLL_MS = 1500;

  function init(form) {
    var state = form.querySelector(".voice-recording-state");
    var consent = form.querySelector('input[name="consent"]');
    var fileInput = form.querySelector('input[type="file"]');
    var submit = form.querySelector('button[type="submit"]');
    var recorded = null;

    function say(text, isError) {
      state.textContent = text || "";
      state.classList.toggle("error", Boolean(isError));
    }

    function show(data) {
      if (!data.state) return say("");
      if (data.state === "failed" || data.state === "expired") return say(data.error, true);
      if (data.state === "done") return say(form.dataset.msgDone);
      say(data.state_label + "…");
    }

    function follow(url) {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          show(data);
          if (!data.finished) window.setTimeout(function () { follow(url); }, POLL_MS);
          else submit.disabled = false;
        })
        .catch(function () {
          window.setTimeout(function () { follow(url); }, POLL_MS * 2);
        });
    }

    function send(file) {
      if (!consent.checked) {
        say(form.dataset.msgConsent, true);
        consent.focus();
        return;
      }
      var body = new FormData();
      body.append("csrfmiddlewaretoken", form.querySelector('input[name="csrfmiddlewaretoken"]').value);
      body.append("consent", "on");
      body.append("audio", file, file.name);
      submit.disabled = true;
      say(form.dataset.msgSending);
      fetch(form.action, {
        method: "POST",
        body: body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, data: data }; });
        })
        .then(function (result) {
          if (!result.ok) {
            submit.disabled = false;
            return say(result.data.error, true);
          }
          recorded = null;
          fileInput.value = "";
          show(result.data);
          follow(result.data.status_url);
        })
        .catch(function () {
          submit.disabled = false;
          say(form.dataset.msgFailed, true);
        });
    }

    form.addEventListener("upload:file", function (event) {
      recorded = event.detail.file;
      send(recorded);
    });

    form.addEventListener("submit", function (event) {
      var file = fileInput.files && fileInput.files[0] ? fileInput.files[0] : recorded;
      event.preventDefault();
      if (!file) return say(form.dataset.msgNoFile, true);
      send(file);
    });

    if (form.dataset.following === "true") follow(form.dataset.statusUrl);
  }

  document.querySelectorAll("[data-voice-recording]").forEach(init);
})();
