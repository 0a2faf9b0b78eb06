// The intake form, improved when scripts run: answers are saved every few seconds and when the
// page is left, and follow-up questions show only when they apply. Without this file the form
// works the same, a section at a time.
(function () {
  "use strict";
  var form = document.querySelector("form[data-intake]");
  if (!form) return;
  var status = form.querySelector("[data-save-status]");
  var dirty = false;
  var saving = false;

  function valueOf(input) {
    if (input.closest("[data-kind='yes_no']")) return input.value === "yes";
    return input.hasAttribute("data-numeric") ? Number(input.value) : input.value;
  }

  // The section's answers, typed as the JSON API takes them; null clears one.
  function answers() {
    var out = {};
    form.querySelectorAll("[data-item]").forEach(function (item) {
      var id = item.getAttribute("data-item");
      var kind = item.getAttribute("data-kind");
      var inputs = Array.prototype.slice.call(item.querySelectorAll("input, textarea"));
      if (kind === "info" || inputs.length === 0) return;
      if (kind === "multi_choice") {
        var chosen = inputs.filter(function (i) { return i.checked; }).map(valueOf);
        out[id] = chosen.length ? chosen : null;
      } else if (kind === "single_choice" || kind === "scale" || kind === "yes_no") {
        var picked = inputs.filter(function (i) { return i.checked; })[0];
        out[id] = picked ? valueOf(picked) : null;
      } else if (kind === "consent") {
        out[id] = inputs[0].checked ? true : null;
      } else if (kind === "number") {
        var n = inputs[0].value.trim();
        out[id] = n === "" ? null : Number(n);
      } else {
        var text = inputs[0].value.trim();
        out[id] = text === "" ? null : inputs[0].value;
      }
    });
    return out;
  }

  function save(leaving) {
    if (!dirty || saving) return;
    saving = true;
    dirty = false;
    fetch(form.getAttribute("data-api"), {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ answers: answers() }),
      keepalive: !!leaving,
      credentials: "omit"
    }).then(function (response) {
      if (status && response.ok) status.textContent = "Your answers are saved.";
      // An answer that does not fit yet is checked when the section is sent.
    }).catch(function () {
      dirty = true;
    }).then(function () {
      saving = false;
    });
  }

  // Follow-up questions whose condition is in this section.
  function toggle() {
    form.querySelectorAll("[data-show-if]").forEach(function (item) {
      var source = form.querySelector("[data-item='" + item.getAttribute("data-show-if") + "']");
      if (!source) return;
      var wanted = item.getAttribute("data-show-value");
      var checked = Array.prototype.slice.call(source.querySelectorAll("input:checked"))
        .map(function (i) { return i.value; });
      var text = source.querySelector("input:not([type=radio]):not([type=checkbox]), textarea");
      var values = text ? [text.value] : checked;
      item.hidden = values.indexOf(wanted) < 0;
    });
  }

  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; toggle(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") save(true);
  });
  window.addEventListener("pagehide", function () { save(true); });
  setInterval(save, 4000);
  toggle();
})();
