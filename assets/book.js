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
  if (!params.has("tz") && select.value !== zone) {
    params.set("tz", zone);
    window.location.replace(window.location.pathname + "?" + params.toString());
    return;
  }
  // The selector changes the view as soon as a zone is picked.
  select.addEventListener("change", function () {
    select.form.submit();
  });
})();
