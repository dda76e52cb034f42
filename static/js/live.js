// Live recording on the meeting page: the microphone is recorded in standalone chunks of a few seconds
// (a fresh MediaRecorder per chunk, so each chunk is a whole WebM file the server can decode alone),
// every chunk is kept in IndexedDB until the server has acknowledged it, and the live text is polled
// from the API.
//
// Polling, not server-sent events: the text arrives in windows of a few seconds anyway, a poll with
// `after` picks up exactly where the last one left off after any disconnect (offline, sleep, a proxy
// dropping the connection), and no server thread is held open per viewer.
(function () {
  "use strict";

  const CHUNK_MS = 5000;
  const POLL_MS = 2000;
  const RETRY_MS = 3000;
  const DB_NAME = "nexochat-live";
  const STORE = "chunks";

  // --- IndexedDB: chunks not yet acknowledged -------------------------------------------------

  function openDb() {
    return new Promise(function (resolve, reject) {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: ["session", "seq"] });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function tx(db, mode, work) {
    return new Promise(function (resolve, reject) {
      const transaction = db.transaction(STORE, mode);
      const result = work(transaction.objectStore(STORE));
      transaction.oncomplete = function () { resolve(result && result.result); };
      transaction.onerror = function () { reject(transaction.error); };
    });
  }

  function saveChunk(db, session, seq, blob) {
    return tx(db, "readwrite", function (store) { return store.put({ session: session, seq: seq, blob: blob }); });
  }

  function dropChunk(db, session, seq) {
    return tx(db, "readwrite", function (store) { return store.delete([session, seq]); });
  }

  function pendingChunks(db, session) {
    const range = IDBKeyRange.bound([session, 0], [session, Number.MAX_SAFE_INTEGER]);
    return tx(db, "readonly", function (store) { return store.getAll(range); }).then(function (rows) {
      return (rows || []).sort(function (a, b) { return a.seq - b.seq; });
    });
  }

  // --- the recorder --------------------------------------------------------------------------

  function pickType() {
    const types = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm"];
    for (const type of types) {
      if (window.MediaRecorder.isTypeSupported(type)) return type;
    }
    return "";
  }

  function init(box) {
    if (!window.MediaRecorder || !navigator.mediaDevices || !window.indexedDB) return;
    box.hidden = false;
    const el = function (selector) { return box.querySelector(selector); };
    const startButton = el(".live-start");
    const continueButton = el(".live-continue");
    const finishButton = el(".live-finish");
    const stopButton = el(".live-stop");
    const statusLine = el(".live-status");
    const errorLine = el(".live-error");
    const textBox = el(".live-text");
    const csrf = box.dataset.csrf;
    const state = {
      session: box.dataset.session ? Number(box.dataset.session) : null,
      seq: Number(box.dataset.nextSequence || 0),
      recording: false,
      stream: null,
      current: null,
      timer: null,
      level: null,
      sending: false,
      retry: null,
      lastEnd: 0,
      poller: null,
      finishing: false,
    };
    let dbPromise = openDb();

    function url(template, session, seq) {
      let result = template.replace("/live/0/", "/live/" + session + "/");
      if (seq !== undefined) result = result.replace(/\/chunks\/0\/$/, "/chunks/" + seq + "/");
      return result;
    }

    function request(method, address, body, type) {
      const headers = { "X-CSRFToken": csrf, Accept: "application/json" };
      if (type) headers["Content-Type"] = type;
      return fetch(address, { method: method, headers: headers, body: body, credentials: "same-origin" });
    }

    function showError(message) {
      errorLine.textContent = message;
      errorLine.hidden = !message;
    }

    function status(message) { statusLine.textContent = message; }

    // Sending: oldest first, each deleted from IndexedDB once the server has it.
    function flush() {
      if (state.sending || state.session === null) return Promise.resolve();
      state.sending = true;
      return dbPromise.then(function (db) {
        return pendingChunks(db, state.session).then(function (rows) {
          let chain = Promise.resolve(true);
          rows.forEach(function (row) {
            chain = chain.then(function (goOn) {
              if (!goOn) return false;
              return request("PUT", url(box.dataset.chunkUrl, state.session, row.seq), row.blob, row.blob.type || "audio/webm")
                .then(function (response) {
                  if (response.ok || response.status === 400 || response.status === 413 || response.status === 409) {
                    if (!response.ok) {
                      return response.json().then(function (body) {
                        showError(body.detail || "");
                        return dropChunk(db, state.session, row.seq).then(function () { return body.code !== "live_finished"; });
                      });
                    }
                    return dropChunk(db, state.session, row.seq).then(function () { return true; });
                  }
                  throw new Error("status " + response.status);
                });
            });
          });
          return chain;
        });
      }).then(function () {
        state.sending = false;
        if (state.recording) status(box.dataset.msgRecording);
        return true;
      }, function () {
        // Offline, or the server could not take it now: everything stays in IndexedDB; try again soon.
        state.sending = false;
        if (state.recording) status(box.dataset.msgOffline);
        clearTimeout(state.retry);
        state.retry = setTimeout(flush, RETRY_MS);
        return false;
      });
    }

    function keep(seq, blob) {
      return dbPromise.then(function (db) { return saveChunk(db, state.session, seq, blob); }).then(flush);
    }

    function recordChunk() {
      const type = pickType();
      const recorder = type ? new MediaRecorder(state.stream, { mimeType: type }) : new MediaRecorder(state.stream);
      const parts = [];
      const seq = state.seq++;
      recorder.ondataavailable = function (event) { if (event.data && event.data.size) parts.push(event.data); };
      recorder.onstop = function () {
        const blob = new Blob(parts, { type: recorder.mimeType || type || "audio/webm" });
        const kept = blob.size ? keep(seq, blob) : Promise.resolve();
        if (!state.recording && state.current === recorder) kept.then(finishWhenSent);
      };
      recorder.start();
      state.current = recorder;
      state.timer = setTimeout(function () {
        if (!state.recording) return;
        const previous = recorder;
        recordChunk(); // the next chunk starts before this one stops: no audio falls between them
        previous.stop();
      }, CHUNK_MS);
    }

    function begin() {
      return navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        state.stream = stream;
        state.recording = true;
        startButton.hidden = continueButton.hidden = finishButton.hidden = true;
        stopButton.hidden = false;
        const resume = el(".live-resume");
        if (resume) resume.hidden = true;
        if (window.NexoLevel) {
          el(".live-timer").hidden = false;
          el(".live-level").hidden = false;
          state.level = window.NexoLevel.watch(stream, { meter: el(".live-level"), timer: el(".live-timer") });
        }
        status(box.dataset.msgRecording);
        recordChunk();
        poll();
      });
    }

    function stop() {
      state.recording = false;
      clearTimeout(state.timer);
      stopButton.hidden = true;
      status(box.dataset.msgFinishing);
      if (state.level) state.level.stop();
      if (state.current && state.current.state !== "inactive") state.current.stop();
      else finishWhenSent();
      if (state.stream) state.stream.getTracks().forEach(function (track) { track.stop(); });
    }

    // Finish once IndexedDB is empty for this session (every chunk acknowledged), then wait for the join.
    function finishWhenSent() {
      if (state.finishing) return;
      flush().then(function () {
        return dbPromise.then(function (db) { return pendingChunks(db, state.session); });
      }).then(function (rows) {
        if (rows.length) {
          setTimeout(finishWhenSent, RETRY_MS);
          return;
        }
        state.finishing = true;
        status(box.dataset.msgFinishing);
        request("POST", url(box.dataset.finishUrl, state.session)).then(waitForJoin, function () {
          state.finishing = false;
          setTimeout(finishWhenSent, RETRY_MS);
        });
      });
    }

    function waitForJoin() {
      request("GET", url(box.dataset.sessionUrl, state.session)).then(function (response) {
        return response.json();
      }).then(function (session) {
        if (session.state === "finishing" || session.state === "recording") {
          setTimeout(waitForJoin, 1000);
        } else if (session.state === "failed") {
          showError(session.failure_reason);
          finishButton.hidden = false;
          state.finishing = false;
        } else {
          window.location.reload(); // the meeting now has its recording and a processing job
        }
      }, function () { setTimeout(waitForJoin, RETRY_MS); });
    }

    // Live text: only what ends after the last text shown.
    function poll() {
      if (state.poller) return;
      const once = function () {
        request("GET", url(box.dataset.sessionUrl, state.session) + "?after=" + state.lastEnd)
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (session) {
            if (!session) return;
            session.texts.forEach(function (text) {
              if (text.end <= state.lastEnd) return;
              const line = document.createElement("p");
              line.className = "live-line";
              line.dataset.start = text.start;
              line.textContent = text.text;
              textBox.appendChild(line);
              state.lastEnd = text.end;
            });
          })
          .catch(function () { /* offline: the next poll asks again from the same point */ });
      };
      once();
      state.poller = setInterval(once, POLL_MS);
    }

    startButton.addEventListener("click", function () {
      showError("");
      request("POST", box.dataset.openUrl).then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.detail || box.dataset.msgFailed);
          state.session = body.id;
          state.seq = 0;
          return begin();
        });
      }).catch(function (error) { showError(error.message || box.dataset.msgFailed); });
    });

    continueButton.addEventListener("click", function () {
      showError("");
      dbPromise.then(function (db) { return pendingChunks(db, state.session); }).then(function (rows) {
        if (rows.length) state.seq = Math.max(state.seq, rows[rows.length - 1].seq + 1);
        return begin();
      }).catch(function (error) { showError(error.message || box.dataset.msgFailed); });
    });

    finishButton.addEventListener("click", function () {
      showError("");
      startButton.hidden = continueButton.hidden = finishButton.hidden = true;
      finishWhenSent();
    });

    stopButton.addEventListener("click", stop);
    window.addEventListener("online", flush);
    if (state.session !== null) {
      flush(); // chunks a closed tab left in IndexedDB go up as soon as the page is open again
      poll();
    }
    window.addEventListener("beforeunload", function (event) {
      if (state.recording) event.preventDefault();
    });
  }

  document.querySelectorAll("[data-live-recorder]").forEach(init);
})();
