// Voice questions: record with MediaRecorder (level_meter.js shows the level and the time), upload the
// clip with ask=0; a speech worker transcribes it in the background, so poll its status until it is
// done. The text then waits in the question box for the speaker to check or correct it: pressing Ask
// sends it with the voice question's id (chat.js), and only then is it asked.
(function () {
  if (window.NexoVoice) return;
  window.NexoVoice = true;
  // A page whose Permissions-Policy keeps the microphone off (a meeting page) shows no voice button.
  const policy = document.permissionsPolicy || document.featurePolicy;
  const allowed = !policy || !policy.allowsFeature || policy.allowsFeature("microphone");
  const supported = allowed && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder);

  function reveal(root) {
    root.querySelectorAll("[data-chat-form] [data-voice]").forEach(function (button) {
      button.hidden = !supported;
    });
  }

  const POLL_MS = 1000;
  const GIVE_UP_MS = 120000;
  let recorder = null;
  let chunks = [];
  let level = null;

  async function start(button, form) {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", function (event) { if (event.data.size) chunks.push(event.data); });
    recorder.addEventListener("stop", function () {
      if (level) level.stop();
      level = null;
      stream.getTracks().forEach(function (track) { track.stop(); });
      button.classList.remove("recording");
      const blob = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
      recorder = null;
      upload(form, blob);
    });
    recorder.start();
    level = window.NexoLevel.watch(stream, {
      meter: form.querySelector(".voice-level"),
      timer: form.querySelector(".voice-timer"),
    });
    button.classList.add("recording");
    window.NexoChat.status(form, form.dataset.msgRecording);
  }

  function upload(form, blob) {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", form.querySelector("input[name=csrfmiddlewaretoken]").value);
    ["conversation", "meeting"].forEach(function (name) {
      const input = form.querySelector("input[name=" + name + "]");
      if (input && input.value) body.append(name, input.value);
    });
    const extension = (blob.type.split("/")[1] || "webm").split(";")[0];
    body.append("audio", blob, "question." + extension);
    body.append("ask", "0");
    window.NexoChat.status(form, form.dataset.msgTranscribing);
    form.classList.add("busy");
    window.NexoChat.send(form, body, null, form.dataset.voiceUrl).then(function (data) {
      if (!data || !data.status_url) { form.classList.remove("busy"); return; }  // refused: send() showed why
      window.NexoChat.status(form, form.dataset.msgTranscribing);  // send() cleared it
      poll(form, data.status_url, Date.now() + GIVE_UP_MS);
    }).catch(function () { failed(form); });
  }

  function failed(form, message) {
    form.classList.remove("busy");
    window.NexoChat.status(form, message || form.dataset.msgFailed);
  }

  // The transcribed text goes into the question box; asking it (the Ask button) is the confirmation.
  function offerToConfirm(form, data) {
    const textarea = form.querySelector("textarea[name=question]");
    let voice = form.querySelector("input[name=voice]");
    if (!voice) {
      voice = document.createElement("input");
      voice.type = "hidden";
      voice.name = "voice";
      form.appendChild(voice);
    }
    voice.value = data.voice;
    textarea.value = data.text;
    textarea.focus();
    textarea.setSelectionRange(data.text.length, data.text.length);
    window.NexoChat.status(form, form.dataset.msgConfirm);
  }

  // Once a transcribed question is sent (chat.js has read the form by then), the next one is typed.
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("[data-chat-form]");
    const voice = form && form.querySelector("input[name=voice]");
    if (voice) setTimeout(function () { voice.remove(); }, 0);
  });

  function poll(form, url, deadline) {
    setTimeout(async function () {
      let data = null;
      try {
        const response = await fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" });
        if (response.ok) data = await response.json();
      } catch (e) { /* a network blip: ask again until the deadline */ }
      if (data && data.state === "done" && data.stream_url) {  // already asked
        form.classList.remove("busy");
        window.NexoChat.status(form, "");
        window.NexoChat.follow(form, data);
      } else if (data && data.state === "done") {
        form.classList.remove("busy");
        offerToConfirm(form, data);
      } else if (data && (data.state === "failed" || data.state === "expired")) {
        failed(form, data.error);
      } else if (Date.now() > deadline) {
        failed(form);
      } else {
        poll(form, url, deadline);
      }
    }, POLL_MS);
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-chat-form] [data-voice]");
    if (!button) return;
    const form = button.closest("[data-chat-form]");
    if (recorder) { recorder.stop(); return; }
    if (form.classList.contains("busy")) return;
    start(button, form).catch(function () { window.NexoChat.status(form, form.dataset.msgNoMic); });
  });

  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:afterSettle", function (event) { reveal(event.target); });
})();
