// Record in the browser: MediaRecorder captures the microphone, and the finished recording goes
// through upload.js (an "upload:file" event on the upload form) so it shares its checks and progress bar.
// level_meter.js shows the level and the elapsed time while it records.
(function () {
  "use strict";

  var TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];

  function pickType() {
    for (var i = 0; i < TYPES.length; i++) {
      if (MediaRecorder.isTypeSupported(TYPES[i])) return TYPES[i];
    }
    return "";
  }

  function extensionFor(type) {
    if (type.indexOf("ogg") !== -1) return ".ogg";
    if (type.indexOf("mp4") !== -1) return ".m4a";
    return ".webm";
  }

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function fileName(type) {
    var now = new Date();
    var stamp =
      now.getFullYear() + pad(now.getMonth() + 1) + pad(now.getDate()) + "-" + pad(now.getHours()) + pad(now.getMinutes());
    return "recording-" + stamp + extensionFor(type);
  }

  function init(box) {
    var form = box.closest("form");
    var start = box.querySelector(".recorder-start");
    var stop = box.querySelector(".recorder-stop");
    var timer = box.querySelector(".recorder-timer");
    var meter = box.querySelector(".recorder-level");
    var status = box.querySelector(".recorder-status");
    var recorder = null;
    var stream = null;
    var chunks = [];
    var level = null;

    if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
    box.hidden = false;

    function setRecording(value) {
      start.hidden = value;
      stop.hidden = !value;
      box.classList.toggle("recording", value);
      form.querySelectorAll('input[type="file"], .upload-submit').forEach(function (element) {
        element.disabled = value;
      });
    }

    function release() {
      if (level) level.stop();
      level = null;
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }

    function finish() {
      var type = recorder.mimeType || (chunks.length && chunks[0].type) || "audio/webm";
      var blob = new Blob(chunks, { type: type });
      chunks = [];
      recorder = null;
      release();
      setRecording(false);
      stop.disabled = false;
      status.textContent = "";
      var file = new File([blob], fileName(type), { type: type });
      form.dispatchEvent(new CustomEvent("upload:file", { detail: { file: file } }));
    }

    start.addEventListener("click", function () {
      if (recorder) return;
      status.textContent = "";
      navigator.mediaDevices.getUserMedia({ audio: true }).then(
        function (media) {
          stream = media;
          var type = pickType();
          try {
            recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
          } catch (e) {
            release();
            status.textContent = box.dataset.msgUnsupported;
            return;
          }
          chunks = [];
          recorder.addEventListener("dataavailable", function (event) {
            if (event.data && event.data.size) chunks.push(event.data);
          });
          recorder.addEventListener("stop", finish);
          recorder.start(1000);
          level = window.NexoLevel.watch(stream, { meter: meter, timer: timer });
          setRecording(true);
          status.textContent = box.dataset.msgRecording;
        },
        function () {
          release();
          status.textContent = box.dataset.msgDenied;
        }
      );
    });

    stop.addEventListener("click", function () {
      if (recorder && recorder.state !== "inactive") {
        stop.disabled = true;
        recorder.stop();
      }
    });

    window.addEventListener("beforeunload", function (event) {
      if (recorder) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  document.querySelectorAll("[data-recorder]").forEach(init);
})();
