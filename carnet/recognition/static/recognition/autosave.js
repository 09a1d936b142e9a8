// Drafts save as the learner types. When the server cannot be reached, the text is kept in this
// browser (localStorage) and offered back on the next visit, so nothing typed is lost.
(function () {
  "use strict";
  var fr = (document.documentElement.lang || "fr").slice(0, 2) !== "en";
  var words = fr
    ? { saving: "Enregistrement…", saved: "Brouillon enregistré à ", offline: "Pas de connexion : votre texte est gardé sur cet appareil et sera enregistré dès que possible.", restored: "Nous avons retrouvé un texte non enregistré sur cet appareil : il a été remis dans le formulaire. Vérifiez-le, puis enregistrez.", copied: "Lien copié." }
    : { saving: "Saving…", saved: "Draft saved at ", offline: "No connection: your text is kept on this device and will be saved as soon as possible.", restored: "We found unsaved text on this device and put it back in the form. Check it, then save.", copied: "Link copied." };

  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var status = form.querySelector("[data-autosave-status]");
    var key = form.dataset.draftKey;
    var serverSavedAt = parseFloat(form.dataset.savedAt || "0");
    var timer = null;
    var fields = Array.prototype.slice.call(form.querySelectorAll("textarea, select, input[type=text]"));

    function snapshot() {
      var data = {};
      fields.forEach(function (field) { data[field.name] = field.value; });
      return data;
    }
    function say(text) { if (status) { status.textContent = text; } }

    try {
      var kept = JSON.parse(window.localStorage.getItem(key) || "null");
      if (kept && kept.at > serverSavedAt) {
        fields.forEach(function (field) { if (field.name in kept.data) { field.value = kept.data[field.name]; } });
        say(words.restored);
      }
    } catch (e) { /* private browsing: nothing kept */ }

    function save() {
      var body = new FormData(form);
      var data = snapshot();
      try { window.localStorage.setItem(key, JSON.stringify({ at: Date.now() / 1000, data: data })); } catch (e) {}
      say(words.saving);
      fetch(form.dataset.autosave, { method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.json().then(function (json) { return { ok: response.ok, json: json }; }); })
        .then(function (result) {
          if (result.ok && result.json.saved) {
            try { window.localStorage.removeItem(key); } catch (e) {}
            serverSavedAt = result.json.timestamp;
            say(words.saved + result.json.at);
          } else {
            say(result.json.error || words.offline);
          }
        })
        .catch(function () { say(words.offline); });
    }
    form.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, 1500);
    });
    window.addEventListener("online", function () { if (window.localStorage.getItem(key)) { save(); } });
  });

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copy);
      input.select();
      (navigator.clipboard ? navigator.clipboard.writeText(input.value) : Promise.reject())
        .catch(function () { document.execCommand("copy"); })
        .then(function () { button.textContent = words.copied; });
    });
  });
})();
