// The writing studio, enhanced: a Markdown toolbar, a live preview, and saving as the writer types.
// Everything here is optional: without it the form's own buttons save, preview and publish.
(function () {
  "use strict";
  var form = document.querySelector("form.studio-editor");
  if (!form) return;
  var body = form.querySelector("textarea[name=body_markdown]");
  var baseInput = form.querySelector("input[name=base_revision]");
  var articleInput = form.querySelector("input[name=article]");
  var savedNote = document.querySelector("[data-saved]");
  var previewBody = form.querySelector("[data-preview-body]");
  var conflictBox = document.querySelector("[data-conflict]");
  var text = function (key) { return form.getAttribute("data-text-" + key) || ""; };

  // --- Toolbar: each button puts Markdown around the selection, or on its own line(s).
  function insert(before, after, placeholder) {
    var start = body.selectionStart, end = body.selectionEnd;
    var chosen = body.value.slice(start, end) || placeholder;
    body.focus();
    body.setSelectionRange(start, end);
    var inserted = before + chosen + after;
    if (!document.execCommand || !document.execCommand("insertText", false, inserted)) {
      body.setRangeText(inserted, start, end, "end");  // keeps working where execCommand is gone
      body.dispatchEvent(new Event("input", { bubbles: true }));
    }
    body.setSelectionRange(start + before.length, start + before.length + chosen.length);
  }
  function lineStartOf(position) { return body.value.lastIndexOf("\n", position - 1) + 1; }
  function prefixLines(prefix, placeholder) {
    var start = lineStartOf(body.selectionStart), end = body.selectionEnd;
    var block = body.value.slice(start, end) || placeholder;
    body.setSelectionRange(start, end);
    insert("", "", block.split("\n").map(function (line) { return prefix + line; }).join("\n"));
  }
  function ownLine(line) {
    // A line of its own with a blank line either side, after the line the cursor stands in (never splitting it).
    var value = body.value, at = value.indexOf("\n", body.selectionEnd);
    if (at < 0) at = value.length;
    var before = value.slice(0, at), after = value.slice(at);
    var lead = before === "" ? "" : (/\n\n$/.test(before) ? "" : (/\n$/.test(before) ? "\n" : "\n\n"));
    var tail = /^\n\n/.test(after) ? "" : (/^\n/.test(after) ? "\n" : "\n\n");
    body.setSelectionRange(at, at);
    insert(lead + line + tail, "", "");
    body.setSelectionRange(at + lead.length + line.length + tail.length, at + lead.length + line.length + tail.length);
  }
  var actions = {
    bold: function () { insert("**", "**", text("bold") || "bold"); },
    italic: function () { insert("*", "*", text("italic") || "italic"); },
    heading: function () { prefixLines("## ", text("heading") || "Heading"); },
    link: function () { insert("[", "](https://)", text("link") || "link text"); },
    quote: function () { prefixLines("> ", text("quote") || "Quotation"); },
    list: function () { prefixLines("- ", text("item") || "Item"); },
    code: function () {
      var chosen = body.value.slice(body.selectionStart, body.selectionEnd);
      if (chosen.indexOf("\n") >= 0) insert("```\n", "\n```", chosen); else insert("`", "`", chosen || "code");
    },
    image: function () { insert("![", "](https://)", text("image") || "What the image shows"); },
    paywall: function () { ownLine("<!-- paywall -->"); }
  };
  if (body) {  // the shortcuts word processors use: Ctrl (or Cmd) with B, I, K
    body.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      var action = { b: "bold", i: "italic", k: "link" }[event.key.toLowerCase()];
      if (action) { event.preventDefault(); actions[action](); }
    });
  }
  var toolbar = document.querySelector("[data-toolbar]");
  if (toolbar && body) {
    toolbar.hidden = false;
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-insert]");
      if (button && actions[button.getAttribute("data-insert")]) actions[button.getAttribute("data-insert")]();
    });
  }

  // --- The own price in the main currency is the main price: its field hides when that currency is chosen.
  var currency = form.elements.currency;
  if (currency) {
    currency.addEventListener("change", function () {
      form.querySelectorAll("[data-own-price]").forEach(function (box) {
        box.hidden = box.getAttribute("data-own-price") === currency.value;
      });
    });
  }

  // --- Pasting from Word, Google Docs or the WeChat editor: their HTML becomes Markdown on the server.
  if (body && form.getAttribute("data-paste")) {
    body.addEventListener("paste", function (event) {
      var html = event.clipboardData && event.clipboardData.getData("text/html");
      if (!html) return;  // plain text pastes as it is
      var plain = event.clipboardData.getData("text/plain");
      event.preventDefault();
      var data = new FormData();
      data.append("html", html);
      data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
      var start = body.selectionStart, end = body.selectionEnd;
      fetch(form.getAttribute("data-paste"), { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { markdown: plain }; })
        .catch(function () { return { markdown: plain }; })
        .then(function (answer) { body.setSelectionRange(start, end); insert("", "", answer.markdown || plain); });
    });
  }

  // --- Images: uploaded as soon as they are chosen or dropped, their Markdown put at the cursor.
  function upload(file, alt) {
    var url = form.getAttribute("data-upload");
    if (!url) return false;  // a new article: the button's own submit saves it first
    var data = new FormData();
    data.append("image", file);
    data.append("image_alt", alt || "");
    data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.markdown) {
          var start = body.selectionStart;
          insert("", "", "\n" + answer.markdown + "\n");
          if (!alt) {  // select the placeholder description for the writer to type over
            var at = body.value.indexOf("![", start) + 2;
            body.setSelectionRange(at, body.value.indexOf("]", at));
          }
        } else if (answer.error && savedNote) { savedNote.textContent = answer.error; }
      });
    return true;
  }
  var uploadButton = form.querySelector("[data-upload-button]");
  if (uploadButton && body) {
    uploadButton.addEventListener("click", function (event) {
      var file = form.elements.image.files[0];
      if (file && upload(file, form.elements.image_alt.value)) {
        event.preventDefault();
        form.elements.image.value = "";
        form.elements.image_alt.value = "";
      }
    });
    body.addEventListener("dragover", function (event) { if (form.getAttribute("data-upload")) event.preventDefault(); });
    body.addEventListener("drop", function (event) {
      var files = event.dataTransfer && event.dataTransfer.files;
      if (!files || !files.length || !form.getAttribute("data-upload")) return;
      event.preventDefault();
      for (var i = 0; i < files.length; i++) upload(files[i], "");
    });
  }

  // --- Saving as the writer types, and when the page is left.
  var dirty = false, inFlight = null, timer = null, stopped = false, submitting = false;
  function fields() {
    var data = new FormData(form);
    data.delete("action");
    data.delete("image");  // images go up on their own (below), never with every save
    data.delete("image_alt");
    return data;
  }
  function hasText() { return (form.elements.title.value + body.value).trim() !== ""; }
  function showConflict(answer) {
    stopped = true;
    if (!conflictBox) return;
    conflictBox.querySelector("[data-conflict-text]").textContent = answer.message || "";
    conflictBox.querySelector("[data-conflict-link]").href = answer.compare_url || "#";
    conflictBox.hidden = false;
  }
  function learn(answer) {
    if (answer.revision && baseInput && !answer.conflict) baseInput.value = answer.revision;
    var slug = form.elements.slug;
    // A draft's slug follows its title: show the one the server made, unless the writer is typing one.
    if (answer.applied && answer.slug && slug && document.activeElement !== slug) slug.value = answer.slug;
    if (answer.edit_url && articleInput && !articleInput.value) {
      // The first save made the article: from now on this page edits it.
      form.action = answer.edit_url;
      form.setAttribute("data-autosave", answer.autosave_url);
      form.setAttribute("data-upload", answer.edit_url + "images/");
      articleInput.value = answer.edit_url.split("/").filter(Boolean).pop();
      history.replaceState(null, "", answer.edit_url);
    }
    if (!savedNote) return;
    if (!answer.saved) savedNote.textContent = text("unsaved");
    else if (answer.errors && Object.keys(answer.errors).length) savedNote.textContent = text("kept");
    else savedNote.textContent = (form.getAttribute("data-saved-at") || "Saved at {time}").replace("{time}", answer.saved_at);
  }
  function save() {
    timer = null;
    if (stopped || submitting || !dirty || !hasText()) return;
    if (inFlight) { schedule(); return; }
    dirty = false;
    inFlight = fetch(form.getAttribute("data-autosave"), { method: "POST", body: fields(), credentials: "same-origin",
                                                          headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json().then(function (answer) {
        if (response.status === 409) showConflict(answer); else learn(answer);
      }); })
      .catch(function () { dirty = true; })  // offline: try again with the next change
      .then(function () { inFlight = null; });
  }
  function schedule() { if (timer) clearTimeout(timer); timer = setTimeout(save, 1500); }
  form.addEventListener("input", function (event) {
    if (event.target.name === "preview_as") return;
    dirty = true;
    schedule();
    refreshSoon();
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "preview_as") { refresh(); return; }
    dirty = true;
    schedule();
    refreshSoon();
  });
  function leave() {
    if (!dirty || stopped || submitting || !hasText()) return;
    dirty = false;
    // keepalive: the request outlives the page (as navigator.sendBeacon would, which is the fallback).
    try {
      fetch(form.getAttribute("data-autosave"), { method: "POST", body: fields(), credentials: "same-origin",
                                                  keepalive: true });
    } catch (error) {
      if (navigator.sendBeacon) navigator.sendBeacon(form.getAttribute("data-autosave"), fields());
    }
  }
  window.addEventListener("pagehide", leave);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") leave(); });
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.value === "preview") { event.preventDefault(); refresh(); return; }
    if (inFlight) {
      // Wait for the save under way: it moves the revision this submit must name.
      event.preventDefault();
      inFlight.then(function () { form.requestSubmit(submitter); });
      return;
    }
    submitting = true;
    if (timer) clearTimeout(timer);
  });

  // --- Preview: rendered by the server, as the article page renders it.
  var previewTimer = null, previewCount = 0;
  function refreshSoon() { if (previewTimer) clearTimeout(previewTimer); previewTimer = setTimeout(refresh, 700); }
  function refresh() {
    if (!previewBody) return;
    var mine = ++previewCount;
    fetch(form.getAttribute("data-preview"), { method: "POST", body: fields(), credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null && mine === previewCount) previewBody.innerHTML = html; })
      .catch(function () {});
  }
})();
