// Voice questions: record with MediaRecorder, upload the clip; the server transcribes it and it is
// then answered like a typed question (window.NexoChat follows the answer's stream).
(function () {
  if (window.NexoVoice) return;
  window.NexoVoice = true;
  const supported = !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder);

  function reveal(root) {
    root.querySelectorAll("[data-chat-form] [data-voice]").forEach(function (button) {
      button.hidden = !supported;
    });
  }

  let recorder = null;
  let chunks = [];

  async function start(button, form) {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", function (event) { if (event.data.size) chunks.push(event.data); });
    recorder.addEventListener("stop", function () {
      stream.getTracks().forEach(function (track) { track.stop(); });
      button.classList.remove("recording");
      const blob = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
      recorder = null;
      upload(form, blob);
    });
    recorder.start();
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
    window.NexoChat.status(form, form.dataset.msgTranscribing);
    window.NexoChat.send(form, body, null, form.dataset.voiceUrl).catch(function () { window.NexoChat.status(form, form.dataset.msgFailed); });
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-chat-form] [data-voice]");
    if (!button) return;
    const form = button.closest("[data-chat-form]");
    if (recorder) { recorder.stop(); return; }
    start(button, form).catch(function () { window.NexoChat.status(form, form.dataset.msgNoMic); });
  });

  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:afterSettle", function (event) { reveal(event.target); });
})();
