// Archive chatbot: ask without reloading, then follow the answer's Server-Sent Events stream.
// The streamed text is shown as plain text; the final event carries the saved answer (escaped on the
// server, citations checked and linked), which replaces it.
(function () {
  if (window.NexoChat) return;

  function csrf(form) {
    const input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function status(form, text) {
    const el = form.querySelector(".chat-status");
    if (el) el.textContent = text || "";
  }

  function bubble(thread, role, text) {
    const empty = thread.querySelector(".chat-empty");
    if (empty) empty.remove();
    const div = document.createElement("div");
    div.className = "chat-message " + role;
    const p = document.createElement(role === "user" ? "p" : "div");
    p.className = "chat-text";
    p.textContent = text || "";
    div.appendChild(p);
    thread.appendChild(div);
    div.scrollIntoView({ block: "nearest" });
    return div;
  }

  function follow(form, thread, url, target) {
    target = target || bubble(thread, "assistant", "");
    target.classList.add("streaming");
    const text = target.querySelector(".chat-text");
    text.textContent = form.dataset.msgThinking || "…";
    let started = false;
    const source = new EventSource(url);
    form.classList.add("busy");
    function finish(message) {
      source.close();
      form.classList.remove("busy");
      target.classList.remove("streaming");
      status(form, message || "");
    }
    source.addEventListener("delta", function (event) {
      const data = JSON.parse(event.data);
      if (!started) { text.textContent = ""; started = true; }
      text.textContent += data.text;
    });
    source.addEventListener("done", function (event) {
      const data = JSON.parse(event.data);
      const holder = document.createElement("div");
      holder.innerHTML = data.html;
      const rendered = holder.firstElementChild;
      if (rendered) target.replaceWith(rendered);
      finish("");
      refreshList(form);
    });
    source.addEventListener("error", function (event) {
      let message = form.dataset.msgFailed;
      try { message = JSON.parse(event.data).message || message; } catch (e) { /* a network error has no data */ }
      target.classList.add("failed");
      if (!started) text.textContent = "";
      finish(message);
    });
  }

  // The chat page's conversation list: a new conversation (and its title) appears once answered.
  function refreshList(form) {
    const list = document.getElementById("chat-list");
    const url = form.dataset.conversationUrl;
    if (!list || !url) return;
    fetch(url + "?part=conversations", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        const holder = document.createElement("div");
        holder.innerHTML = html;
        const fresh = holder.querySelector("#chat-list");
        if (fresh) list.replaceWith(fresh);
      })
      .catch(function () { /* the list stays as it was */ });
  }

  function asked(form, data, questionText) {
    const thread = form.parentElement.querySelector("[data-chat-thread]");
    let hidden = form.querySelector("input[name=conversation]");
    if (!hidden) {
      hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "conversation";
      form.appendChild(hidden);
    }
    hidden.value = data.conversation;
    form.dataset.conversationUrl = data.conversation_url;
    if (document.body.dataset.chatPage !== undefined && window.location.pathname !== data.conversation_url) {
      window.history.pushState({}, "", data.conversation_url);
    }
    const user = bubble(thread, "user", questionText || data.question);
    if (data.voice) user.classList.add("voice");
    follow(form, thread, data.stream_url);
  }

  async function send(form, body, questionText, url) {
    status(form, "");
    const response = await fetch(url || form.action, {
      method: "POST",
      body: body,
      headers: { "Accept": "application/json", "X-CSRFToken": csrf(form) },
      credentials: "same-origin",
    });
    let data = {};
    try { data = await response.json(); } catch (e) { /* not JSON: a server error page */ }
    if (!response.ok) {
      status(form, data.error || form.dataset.msgFailed);
      return null;
    }
    if (response.status === 202) return data;  // queued (a voice question): the caller follows it
    asked(form, data, questionText);
    return data;
  }

  document.addEventListener("submit", function (event) {
    const form = event.target.closest("[data-chat-form]");
    if (!form || !window.fetch || !window.EventSource) return;
    event.preventDefault();
    const textarea = form.querySelector("textarea[name=question]");
    const question = textarea.value.trim();
    if (!question || form.classList.contains("busy")) return;
    const body = new FormData(form);
    textarea.value = "";
    send(form, body, question).catch(function () {
      textarea.value = question;
      status(form, form.dataset.msgFailed);
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    const textarea = event.target.closest("[data-chat-form] textarea");
    if (!textarea) return;
    event.preventDefault();
    textarea.form.requestSubmit();
  });

  function resume(root) {
    root.querySelectorAll("[data-chat-thread][data-pending-stream]").forEach(function (thread) {
      const url = thread.dataset.pendingStream;
      delete thread.dataset.pendingStream;
      const form = thread.parentElement.querySelector("[data-chat-form]");
      if (form && window.EventSource) follow(form, thread, url);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector(".chat-layout")) document.body.dataset.chatPage = "";
    resume(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) { resume(event.target); });

  // follow(form, payload): show a question asked elsewhere (a transcribed voice question, payload as
  // asking returns it) and follow its answer's stream.
  window.NexoChat = { send: send, status: status, follow: function (form, data) { asked(form, data); } };
})();
