// The progress bar of a bulk issuance: reads its JSON address every second and a half while the job
// runs, and reloads the page once it is over (to show the results). Screen readers hear every tenth.
// Forms marked data-once are sent once: a second click does nothing (the server is idempotent anyway).
(function () {
  "use strict";
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
    });
  });
  var box = document.querySelector("[data-bulk-progress][data-running]");
  if (!box || !window.fetch) { return; }
  var bar = box.querySelector("progress");
  var message = box.querySelector("[data-message]");
  var state = box.querySelector("[data-state]");
  var live = box.querySelector("[data-live]");
  var tenth = -1;
  function poll() {
    fetch(box.dataset.bulkProgress, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (figures) {
        if (!figures) { return window.setTimeout(poll, 5000); }
        bar.max = Math.max(figures.total, 1);
        bar.value = figures.done;
        message.textContent = figures.message;
        state.textContent = figures.state_label;
        var now = figures.total ? Math.floor(10 * figures.done / figures.total) : 0;
        if (now !== tenth) { tenth = now; live.textContent = figures.message; }
        if (figures.finished) { window.setTimeout(function () { window.location.reload(); }, 800); }
        else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
