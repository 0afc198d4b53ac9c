/* Money forms, progressive enhancement only: every form works without this file, and the server
   already applies each idempotency key once. */
(function () {
  "use strict";

  function submitButtons(form) {
    return form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]");
  }

  function setBusy(form, busy) {
    var buttons = submitButtons(form);
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = busy;
    }
    if (busy) {
      form.setAttribute("data-submitting", "yes");
      form.setAttribute("aria-busy", "true");
    } else {
      form.removeAttribute("data-submitting");
      form.removeAttribute("aria-busy");
    }
  }

  // A money form is sent once: a second click while the first request is on its way does nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-submit-once")) {
      return;
    }
    if (form.getAttribute("data-submitting") === "yes") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitting", "yes");
    // Disabled only after the browser has put the pressed button's name and value into the request.
    window.setTimeout(function () {
      if (event.defaultPrevented) {
        form.removeAttribute("data-submitting");
      } else {
        setBusy(form, true);
      }
    }, 0);
  });

  // Back to a page kept in the browser's memory: its buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    var forms = document.querySelectorAll("form[data-submit-once][data-submitting]");
    for (var i = 0; i < forms.length; i++) {
      setBusy(forms[i], false);
    }
  });

  // Top-up: typing an amount chooses "Other amount"; choosing one of the amounts clears what was typed.
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field || !field.hasAttribute || !field.hasAttribute("data-topup-custom") || !field.form) {
      return;
    }
    var other = field.form.querySelector("input[type=radio][name=preset][value=custom]");
    if (other && field.value.trim()) {
      other.checked = true;
    }
  });
  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (!radio || !radio.form || radio.type !== "radio" || radio.name !== "preset" || radio.value === "custom") {
      return;
    }
    var field = radio.form.querySelector("[data-topup-custom]");
    if (field) {
      field.value = "";
    }
  });
})();
