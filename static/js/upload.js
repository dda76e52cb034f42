// Recording upload: drag and drop or file picker, sent with XMLHttpRequest so the page can show
// progress. Without JavaScript the same form posts normally and the server redirects back.
(function () {
  "use strict";

  function formatMB(bytes) {
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  function init(form) {
    var input = form.querySelector('input[type="file"]');
    var submit = form.querySelector(".upload-submit");
    var progress = form.querySelector(".upload-progress");
    var bar = progress.querySelector(".progress > span");
    var barBox = progress.querySelector(".progress");
    var text = progress.querySelector(".upload-progress-text");
    var errorBox = form.querySelector(".upload-error");
    var maxSize = parseInt(form.dataset.maxSize, 10) || 0;
    var busy = false;

    function showError(message, link) {
      errorBox.textContent = message;
      if (link) {
        var anchor = document.createElement("a");
        anchor.href = link;
        anchor.textContent = form.dataset.msgOpen;
        errorBox.appendChild(document.createTextNode(" "));
        errorBox.appendChild(anchor);
      }
      errorBox.hidden = false;
    }

    function setBusy(value) {
      busy = value;
      input.disabled = value;
      submit.disabled = value;
      form.classList.toggle("uploading", value);
    }

    function showProgress(loaded, total) {
      var percent = total ? Math.floor((loaded / total) * 100) : 0;
      bar.style.width = percent + "%";
      barBox.setAttribute("aria-valuenow", String(percent));
      text.textContent = percent + "% · " + formatMB(loaded) + " / " + formatMB(total);
    }

    function upload(file) {
      if (busy) return;
      errorBox.hidden = true;
      errorBox.textContent = "";
      if (!file) {
        showError(form.dataset.msgChoose);
        return;
      }
      if (file.size === 0) {
        showError(form.dataset.msgEmpty);
        return;
      }
      if (maxSize && file.size > maxSize) {
        showError(form.dataset.msgTooLarge);
        return;
      }
      var data = new FormData();
      var token = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
      data.append("file", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.setRequestHeader("X-CSRFToken", token);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) showProgress(event.loaded, event.total);
      });
      xhr.upload.addEventListener("load", function () {
        text.textContent = form.dataset.msgProcessing;
      });
      xhr.addEventListener("load", function () {
        var body = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch (e) {
          body = null;
        }
        if (xhr.status >= 200 && xhr.status < 300 && body && body.ok) {
          window.location.assign(body.redirect);
          return;
        }
        setBusy(false);
        progress.hidden = true;
        showError((body && body.error) || form.dataset.msgFailed + " (HTTP " + xhr.status + ")", body && body.existing_url);
      });
      xhr.addEventListener("error", function () {
        setBusy(false);
        progress.hidden = true;
        showError(form.dataset.msgNetwork);
      });
      setBusy(true);
      progress.hidden = false;
      showProgress(0, file.size);
      xhr.send(data);
    }

    ["dragenter", "dragover"].forEach(function (name) {
      form.addEventListener(name, function (event) {
        event.preventDefault();
        if (!busy) form.classList.add("dragover");
      });
    });
    ["dragleave", "dragend", "drop"].forEach(function (name) {
      form.addEventListener(name, function (event) {
        event.preventDefault();
        form.classList.remove("dragover");
      });
    });
    form.addEventListener("drop", function (event) {
      var files = event.dataTransfer && event.dataTransfer.files;
      if (files && files.length) upload(files[0]);
    });
    input.addEventListener("change", function () {
      if (input.files.length) upload(input.files[0]);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      upload(input.files[0]);
    });
    // recorder.js hands a finished browser recording to the same upload path.
    form.addEventListener("upload:file", function (event) {
      upload(event.detail && event.detail.file);
    });
  }

  document.querySelectorAll("form[data-upload]").forEach(init);
})();
