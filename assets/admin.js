// The dashboard's small helpers. Every page works without this file; it only adds:
// confirmation before destructive actions, a copy button for links, and autosave of drafts.
(function () {
  "use strict";

  // <form data-confirm="…">: ask before sending.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });

  // <button data-copy="id-of-input">: copy that field's text.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy"));
      if (!field) { return; }
      var done = function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy link"; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          field.select();
          document.execCommand("copy");
          done();
        });
      } else {
        field.select();
        document.execCommand("copy");
        done();
      }
    });
  });

  // <form data-autosave>: save the draft in the background a few seconds after typing stops.
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var status = form.querySelector("[data-autosave-status]");
    var timer = null;
    var save = function () {
      var body = new URLSearchParams(new FormData(form));
      body.set("autosave", "1");
      fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" }
      }).then(function (response) {
        if (status) {
          status.textContent = response.ok
            ? "Draft saved at " + new Date().toLocaleTimeString([], { hour: "numeric", minute: "2-digit" })
            : "Not saved: use the Save draft button.";
        }
      }, function () {
        if (status) { status.textContent = "Not saved: you may be offline."; }
      });
    };
    form.addEventListener("input", function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(save, 3000);
    });
  });
})();
