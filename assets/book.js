// Shows free times in the visitor's own time zone. Without this script the page works the
// same; times are then in the practice's zone until another is chosen.
(function () {
  var select = document.querySelector("[data-zone-select]");
  if (!select) return;
  var params = new URLSearchParams(window.location.search);
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone) return;
  // Only on the first visit: a zone the visitor picks is applied with the "Show times"
  // button, never on change (keyboard users step through the list with the arrow keys).
  if (!params.has("tz") && select.value !== zone) {
    params.set("tz", zone);
    window.location.replace(window.location.pathname + "?" + params.toString());
  }
})();
