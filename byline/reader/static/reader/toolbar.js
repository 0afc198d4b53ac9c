/* Accessible browsing toolbar. Progressive enhancement: without this file the "Accessible browsing"
   links lead to the settings page, which offers the same settings as a form. Settings are written to
   the same cookie the server reads, so the next page is rendered already adapted. */
(function () {
  "use strict";

  /* Status messages after a redirect ("Unlocked", "Purchase undone") arrive with the page, and screen
     readers do not read a live region's first content. Empty the region and put the same messages back
     a moment later, so the change is announced; without this script the messages are simply shown. */
  var messages = document.querySelector(".messages[role=status]");
  if (messages && messages.children.length) {
    var said = Array.prototype.slice.call(messages.childNodes);
    messages.replaceChildren();
    window.setTimeout(function () { messages.replaceChildren.apply(messages, said); }, 150);
  }
})();

(function () {
  "use strict";

  var toolbar = document.getElementById("a11y-toolbar");
  if (!toolbar) { return; }
  var root = document.documentElement;
  var ZOOMS = [100, 125, 150, 175, 200];
  var SCHEMES = ["standard", "contrast", "dark", "yellow"];
  var FLAGS = ["text_only", "big_cursor", "guide", "captions"];
  var FLAG_CLASSES = { text_only: "text-only", big_cursor: "big-cursor", guide: "reading-guide", captions: "captions" };
  var BLOCKS = "h1, h2, h3, h4, h5, h6, p, li, blockquote, dt, dd, td, th, figcaption, label, legend, summary, button, a";
  var status = toolbar.querySelector(".a11y-status");
  var caption = document.querySelector(".a11y-caption");
  var msg = toolbar.dataset;

  /* ---- preferences: the same "mode|scheme|zoom|flags" cookie as byline/reader/prefs.py ---- */
  function parse(raw) {
    var parts = (raw || "").split("|");
    var flags = ((parts[3] || "") + "0000").slice(0, 4);
    var zoom = parseInt(parts[2], 10);
    var prefs = {
      mode: parts[0] === "caring" ? "caring" : "standard",
      scheme: SCHEMES.indexOf(parts[1]) >= 0 ? parts[1] : "standard",
      zoom: ZOOMS.indexOf(zoom) >= 0 ? zoom : 100
    };
    FLAGS.forEach(function (name, i) { prefs[name] = flags.charAt(i) === "1"; });
    return prefs;
  }
  function serialise(prefs) {
    return [prefs.mode, prefs.scheme, String(prefs.zoom),
      FLAGS.map(function (name) { return prefs[name] ? "1" : "0"; }).join("")].join("|");
  }
  var prefs = parse(msg.prefs);

  function save() {
    document.cookie = msg.cookie + "=" + serialise(prefs) + "; path=/; max-age=31536000; samesite=lax";
    apply();
  }
  function apply() {
    var classes = root.className.split(/\s+/).filter(function (c) {
      return c && !/^(scheme-|zoom-)/.test(c) && ["text-only", "big-cursor", "reading-guide", "captions"].indexOf(c) < 0;
    });
    classes.push("scheme-" + prefs.scheme, "zoom-" + prefs.zoom);
    FLAGS.forEach(function (name) { if (prefs[name]) { classes.push(FLAG_CLASSES[name]); } });
    root.className = classes.join(" ");
    toolbar.querySelectorAll("[data-action=scheme]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.value === prefs.scheme));
    });
    toolbar.querySelectorAll("[data-action=flag]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(prefs[b.dataset.value]));
    });
    var zoomValue = toolbar.querySelector(".a11y-zoom-value");
    if (zoomValue) { zoomValue.textContent = prefs.zoom + "%"; }
    toolbar.querySelector("[data-action=zoom-out]").disabled = prefs.zoom === ZOOMS[0];
    toolbar.querySelector("[data-action=zoom-in]").disabled = prefs.zoom === ZOOMS[ZOOMS.length - 1];
  }
  function announce(text) {
    /* Clear first so repeating the same message is announced again. */
    status.textContent = "";
    window.requestAnimationFrame(function () { status.textContent = text; });
  }

  /* ---- opening and closing: a disclosure button with aria-expanded; Escape closes ---- */
  var toggles = [];
  var lastToggle = null;
  document.querySelectorAll("[data-toolbar-toggle]").forEach(function (link) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = link.className + " a11y-toggle";
    button.textContent = link.textContent;
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", "a11y-toolbar");
    button.setAttribute("data-toolbar-toggle", "");
    button.addEventListener("click", function () {
      lastToggle = button;
      if (toolbar.hidden) { open(); } else { close(); }
    });
    link.replaceWith(button);
    toggles.push(button);
  });
  function open() {
    toolbar.hidden = false;
    toggles.forEach(function (b) { b.setAttribute("aria-expanded", "true"); });
    var first = toolbar.querySelector("button:not([disabled]), select, a[href]");
    if (first) { first.focus(); }
  }
  function close() {
    toolbar.hidden = true;
    toggles.forEach(function (b) { b.setAttribute("aria-expanded", "false"); });
    (lastToggle || toggles[0]).focus();
  }
  toolbar.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); close(); }
  });

  /* ---- read aloud ---- */
  var speech = window.speechSynthesis || null;
  var reading = null; /* {queue: [{text, lang, el, part}], index, paused, audio, server} */
  var pointToRead = false;
  var readButton = toolbar.querySelector("[data-action=read]");
  var pauseButton = toolbar.querySelector("[data-action=pause]");
  var stopButton = toolbar.querySelector("[data-action=stop]");
  var speedSelect = toolbar.querySelector("[data-action=speed]");

  function langOf(el) {
    var holder = el && el.closest ? el.closest("[lang]") : null;
    return ((holder && holder.getAttribute("lang")) || root.lang || "en").toLowerCase();
  }
  function voiceFor(lang) {
    if (!speech) { return null; }
    var want = lang.indexOf("zh") === 0 ? "zh" : lang.slice(0, 2);
    var voices = speech.getVoices() || [];
    for (var i = 0; i < voices.length; i++) {
      if (voices[i].lang && voices[i].lang.toLowerCase().replace("_", "-").indexOf(want) === 0) { return voices[i]; }
    }
    return null;
  }
  function textOf(el) { return (el.innerText || el.textContent || "").replace(/\s+/g, " ").trim(); }
  function sentencesOf(text) {
    return text.split(/(?<=[。！？；])|(?<=[.!?;])\s+(?=\S)/).map(function (s) { return s.trim(); })
      .filter(Boolean);
  }
  function visible(el) { return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length); }
  function blocksIn(container) {
    return Array.prototype.filter.call(container.querySelectorAll(BLOCKS), function (el) {
      return visible(el) && !el.closest(".a11y-toolbar, [aria-hidden=true]") && !el.querySelector(BLOCKS) &&
        !(el.matches("a, button") && el.closest("p, li, h1, h2, h3, h4, h5, h6, td, th"));
    });
  }
  function showCaption(text) {
    if (!caption) { return; }
    caption.textContent = text;
    caption.hidden = !(prefs.captions && text);
  }
  function highlight(el) {
    document.querySelectorAll(".a11y-reading").forEach(function (e) { e.classList.remove("a11y-reading"); });
    if (el) { el.classList.add("a11y-reading"); }
  }
  function setReadingState(active) {
    pauseButton.disabled = !active;
    stopButton.disabled = !active;
    pauseButton.textContent = msg.labelPause;
  }

  function speakNext() {
    if (!reading) { return; }
    if (reading.index >= reading.queue.length) { stop(true); return; }
    var item = reading.queue[reading.index];
    highlight(item.el);
    showCaption(item.text);
    var speed = parseFloat(speedSelect.value) || 1;
    if (reading.server) {
      var audio = reading.audio || (reading.audio = new Audio());
      audio.onended = function () { reading.index += 1; speakNext(); };
      audio.onerror = audio.onended;
      audio.src = reading.server.replace("{part}", String(item.part)) + "?speed=" + speed;
      var played = audio.play();
      if (played && played.catch) { played.catch(function () { /* no audio device: captions still advance on error */ }); }
      return;
    }
    var utterance = new SpeechSynthesisUtterance(item.text);
    utterance.lang = item.lang;
    utterance.voice = voiceFor(item.lang);
    utterance.rate = speed;
    utterance.onend = function () { if (reading && reading.current === utterance) { reading.index += 1; speakNext(); } };
    utterance.onerror = utterance.onend;
    reading.current = utterance;
    speech.speak(utterance);
  }
  function start(queue, server) {
    stop(false);
    if (!queue.length) { return; }
    reading = { queue: queue, index: 0, paused: false, audio: null, server: server || null, current: null };
    setReadingState(true);
    announce(server ? msg.msgServerVoice : msg.msgReading);
    speakNext();
  }
  function stop(announceIt) {
    if (reading) {
      if (reading.audio) { reading.audio.pause(); reading.audio.removeAttribute("src"); }
      reading.current = null;
    }
    if (speech) { speech.cancel(); }
    reading = null;
    setReadingState(false);
    highlight(null);
    showCaption("");
    if (announceIt) { announce(msg.msgStopped); }
  }
  function pauseOrResume() {
    if (!reading) { return; }
    reading.paused = !reading.paused;
    if (reading.audio) { if (reading.paused) { reading.audio.pause(); } else { reading.audio.play(); } }
    else if (speech) { if (reading.paused) { speech.pause(); } else { speech.resume(); } }
    pauseButton.textContent = reading.paused ? msg.labelResume : msg.labelPause;
    announce(reading.paused ? msg.msgPaused : msg.msgReading);
  }

  /* The server's sentences (only what this reader may read), for browsers without a voice. */
  var serverParts = null; /* fetched once per page: the sentences do not change while it is open */
  function withServerParts(article, callback) {
    if (serverParts) { callback(serverParts); return; }
    fetch(article.dataset.readAloud, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { serverParts = data; callback(data); } else { announce(msg.msgNoVoice); } })
      .catch(function () { announce(msg.msgNoVoice); });
  }
  function serverQueueFor(data, blocks) {
    /* Pair each server sentence with the page element that shows it, for highlighting. */
    var b = 0;
    return data.parts.map(function (text, i) {
      var el = null;
      for (var j = b; j < blocks.length; j++) {
        if (textOf(blocks[j]).indexOf(text) >= 0) { el = blocks[j]; b = j; break; }
      }
      return { text: text, lang: data.lang, el: el, part: i };
    });
  }
  function queueFor(elements) {
    var queue = [];
    elements.forEach(function (el) {
      sentencesOf(textOf(el)).forEach(function (text) { queue.push({ text: text, lang: langOf(el), el: el }); });
    });
    return queue;
  }
  function readPage() {
    var article = document.querySelector("[data-read-aloud]");
    var container = article || document.getElementById("main") || document.body;
    var blocks = blocksIn(container);
    if (voiceFor(langOf(container))) { start(queueFor(blocks)); return; }
    if (article) { withServerParts(article, function (data) { start(serverQueueFor(data, blocks), data.audio); }); return; }
    announce(msg.msgNoVoice);
  }
  function readElement(el) {
    var block = el.closest(BLOCKS);
    if (!block || block.closest(".a11y-toolbar") || (reading && reading.queue[0] && reading.queue[0].el === block)) { return; }
    if (voiceFor(langOf(block))) { start(queueFor([block])); return; }
    var article = block.closest("[data-read-aloud]");
    if (article) {
      withServerParts(article, function (data) {
        var text = textOf(block);
        var queue = serverQueueFor(data, [block]).filter(function (item) { return text.indexOf(item.text) >= 0; });
        if (queue.length) { start(queue, data.audio); } else { highlight(block); showCaption(text); }
      });
      return;
    }
    highlight(block);
    showCaption(textOf(block));
    announce(msg.msgNoVoice);
  }
  function onPoint(event) {
    if (!pointToRead || !event.target || !event.target.closest) { return; }
    if (event.target.closest(".a11y-toolbar")) { return; }
    readElement(event.target);
  }
  document.addEventListener("mouseover", onPoint);
  document.addEventListener("focusin", onPoint);

  /* ---- reading guide: a crosshair that follows the pointer or the keyboard focus ---- */
  var guideX = document.querySelector(".a11y-guide-x");
  var guideY = document.querySelector(".a11y-guide-y");
  function moveGuide(x, y) {
    if (!prefs.guide || !guideX || !guideY) { return; }
    guideX.style.transform = "translateY(" + Math.round(y) + "px)";
    guideY.style.transform = "translateX(" + Math.round(x) + "px)";
  }
  document.addEventListener("mousemove", function (event) { moveGuide(event.clientX, event.clientY); });
  document.addEventListener("focusin", function (event) {
    var rect = event.target.getBoundingClientRect ? event.target.getBoundingClientRect() : null;
    if (rect) { moveGuide(rect.left, rect.bottom); }
  });

  /* ---- the controls ---- */
  function label(button) { return button.textContent.trim(); }
  toolbar.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) { return; }
    var action = button.dataset.action;
    var i = ZOOMS.indexOf(prefs.zoom);
    if (action === "close") { close(); }
    else if (action === "read") { readPage(); }
    else if (action === "pause") { pauseOrResume(); }
    else if (action === "stop") { stop(true); }
    else if (action === "point") {
      pointToRead = !pointToRead;
      button.setAttribute("aria-pressed", String(pointToRead));
      announce(pointToRead ? msg.msgPoint : label(button) + ": " + msg.msgOff);
      if (!pointToRead) { stop(false); }
    } else if (action === "zoom-in" || action === "zoom-out") {
      prefs.zoom = ZOOMS[Math.max(0, Math.min(ZOOMS.length - 1, i + (action === "zoom-in" ? 1 : -1)))];
      save();
      announce(msg.msgZoom + ": " + prefs.zoom + "%");
    } else if (action === "scheme") {
      prefs.scheme = button.dataset.value;
      save();
      announce(label(button) + ": " + msg.msgOn);
    } else if (action === "flag") {
      prefs[button.dataset.value] = !prefs[button.dataset.value];
      save();
      announce(label(button) + ": " + (prefs[button.dataset.value] ? msg.msgOn : msg.msgOff));
    } else if (action === "reset") {
      var mode = prefs.mode;
      prefs = parse("");
      prefs.mode = mode;
      save();
      stop(false);
      announce(msg.msgReset);
    }
  });
  apply();
})();
