// What every recording control shows while it records: the microphone's level (Web Audio's
// AnalyserNode, RMS in decibels, on a <meter>) and the elapsed time. recorder.js and voice.js use it:
//   const watch = window.NexoLevel.watch(stream, { meter: meterElement, timer: timerElement });
//   ...
//   watch.stop();
(function () {
  "use strict";
  if (window.NexoLevel) return;

  // The meter spans -60 dBFS (silence, as far as a voice is concerned) to 0 dBFS (full scale).
  const FLOOR_DB = -60;

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function clock(seconds) {
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const rest = pad(seconds % 60);
    return hours ? hours + ":" + pad(minutes) + ":" + rest : minutes + ":" + rest;
  }

  function levelOf(samples) {
    let sum = 0;
    for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
    const rms = Math.sqrt(sum / samples.length);
    const db = rms > 0 ? 20 * Math.log10(rms) : FLOOR_DB;
    return Math.max(0, Math.min(1, (db - FLOOR_DB) / -FLOOR_DB));
  }

  function show(meter, level) {
    const value = Math.round(level * 100) / 100;
    meter.value = value;
    meter.setAttribute("aria-valuenow", String(value));
  }

  function watch(stream, parts) {
    const meter = parts.meter;
    const timer = parts.timer;
    const startedAt = Date.now();
    let context = null;
    let analyser = null;
    let samples = null;
    let frame = null;
    let shownSeconds = -1;

    const AudioContext = window.AudioContext || window.webkitAudioContext;
    if (meter && AudioContext) {
      try {
        context = new AudioContext();
        analyser = context.createAnalyser();
        analyser.fftSize = 1024;
        context.createMediaStreamSource(stream).connect(analyser);
        samples = new Float32Array(analyser.fftSize);
        if (context.state === "suspended") context.resume();
      } catch (e) {
        analyser = null;  // no meter, the timer still runs
      }
    }

    function draw() {
      if (analyser) {
        analyser.getFloatTimeDomainData(samples);
        show(meter, levelOf(samples));
      }
      const seconds = Math.floor((Date.now() - startedAt) / 1000);
      if (timer && seconds !== shownSeconds) {
        shownSeconds = seconds;
        timer.textContent = clock(seconds);
      }
      frame = window.requestAnimationFrame(draw);
    }

    if (meter) meter.hidden = !analyser;
    if (timer) timer.hidden = false;
    draw();

    return {
      stop: function () {
        if (frame !== null) window.cancelAnimationFrame(frame);
        frame = null;
        if (context) context.close();
        context = null;
        if (meter) {
          show(meter, 0);
          meter.hidden = true;
        }
        if (timer) timer.hidden = true;
      },
    };
  }

  window.NexoLevel = { watch: watch, clock: clock };
})();
