/* Progressive enhancement only: every link and form works without this file. */
(function () {
  "use strict";
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (target && target.classList && target.classList.contains("share-url")) {
      target.select();
    }
  });
})();
