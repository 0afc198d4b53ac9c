/* Share panel enhancements. Without this file the panel still works: the link sits in a
   selectable field and every network is a plain link through the share redirect. */
(function () {
  "use strict";

  function announce(panel, text) {
    var status = panel.querySelector("[data-share-status]");
    if (!status) { return; }
    status.textContent = "";
    // A fresh text node after clearing makes screen readers announce a repeat of the same message.
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function beacon(url) {
    if (!url || !window.fetch) { return; }
    window.fetch(url, { method: "GET", credentials: "same-origin", keepalive: true }).catch(function () {});
  }

  function copyText(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value);
    }
    field.focus();
    field.select();
    return new Promise(function (resolve, reject) {
      try {
        if (document.execCommand("copy")) { resolve(); } else { reject(new Error("copy refused")); }
      } catch (error) { reject(error); }
    });
  }

  function setUp(panel) {
    var copy = panel.querySelector(".share-copy-button");
    if (copy) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        var field = document.getElementById(copy.getAttribute("data-copy-target"));
        copyText(field).then(function () {
          announce(panel, copy.getAttribute("data-copied"));
          beacon(copy.getAttribute("data-beacon"));
        }, function () {
          field.focus();
          field.select();
          announce(panel, copy.getAttribute("data-copy-failed"));
        });
      });
    }
    var native = panel.querySelector(".share-native-button");
    if (native && navigator.share) {
      native.hidden = false;
      native.addEventListener("click", function () {
        navigator.share({
          title: native.getAttribute("data-share-title"),
          url: native.getAttribute("data-share-url")
        }).then(function () { beacon(native.getAttribute("data-beacon")); }, function () {});
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panels = document.querySelectorAll("[data-share-panel]");
    for (var i = 0; i < panels.length; i += 1) { setUp(panels[i]); }
  });
})();
