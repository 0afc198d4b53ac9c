// QR payment page: a live countdown (standard version only) and a poll that moves on once paid.
// Without JavaScript the page still works: the expiry time is printed and "I have paid" asks the provider.
(function () {
  "use strict";
  var page = document.querySelector("[data-pay-status]");
  if (!page) { return; }
  var clock = page.querySelector("[data-countdown]");
  if (clock) {
    var end = Date.now() + parseInt(clock.getAttribute("data-seconds"), 10) * 1000;
    var template = clock.getAttribute("data-template");
    var tick = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      var text = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      clock.textContent = template.replace("{time}", text);
      if (left > 0) { window.setTimeout(tick, 1000); }
    };
    tick();
  }
  var poll = function () {
    fetch(page.getAttribute("data-pay-status"), {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.status !== "open") { window.location.assign(data.done_url); return; }
        window.setTimeout(poll, 3000);
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  };
  window.setTimeout(poll, 3000);
})();
