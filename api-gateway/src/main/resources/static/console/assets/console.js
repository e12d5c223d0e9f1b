// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  function csrf(event) {
    var header = document.querySelector('meta[name="csrf-header"]');
    var token = document.querySelector('meta[name="csrf-token"]');
    if (header && token) {
      event.detail.headers[header.content] = token.content;
    }
  }
  function countSelected() {
    var count = document.getElementById("selected-count");
    if (count) {
      count.textContent = document.querySelectorAll("input.pick:checked").length;
    }
  }
  document.addEventListener("htmx:configRequest", csrf);
  document.addEventListener("change", function (event) {
    if (event.target.id === "select-all") {
      document.querySelectorAll("input.pick").forEach(function (box) { box.checked = event.target.checked; });
    }
    countSelected();
  });
  document.addEventListener("htmx:afterSwap", countSelected);
  // Confirm submits once; a second click would be answered with the same job anyway (same Idempotency-Key).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList && form.classList.contains("confirm")) {
      if (form.dataset.sent === "true") {
        event.preventDefault();
      }
      form.dataset.sent = "true";
    }
  });
})();
