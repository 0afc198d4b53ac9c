// Tell Byline once that a signed-in reader reached the end of the article they are entitled to.
// Progressive enhancement: without JavaScript nothing is recorded beyond the page view.
(function () {
  "use strict";
  var beacon = document.getElementById("reading-beacon");
  var end = document.getElementById("article-end");
  if (!beacon || !end || !("IntersectionObserver" in window) || !window.fetch) return;
  var sent = false;
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting || sent) return;
      sent = true;
      observer.disconnect();
      fetch(beacon.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        keepalive: true,
        headers: { "X-CSRFToken": beacon.dataset.csrf }
      }).catch(function () {});
    });
  });
  observer.observe(end);
})();
