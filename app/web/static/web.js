// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Copy button: shown only when scripts run, copies the SQL text.
  function setUpCopy(button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.querySelector(button.getAttribute("data-copy"));
      if (!target) { return; }
      var label = button.textContent;
      var done = function () {
        button.textContent = button.getAttribute("data-copied");
        setTimeout(function () { button.textContent = label; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(target.textContent).then(done, function () { selectText(target); });
      } else {
        selectText(target);
        done();
      }
    });
  }

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // Dialect picker: changing the select swaps the SQL in place and keeps the address shareable.
  function setUpPicker(form) {
    var select = form.querySelector("select");
    select.addEventListener("change", function () {
      var params = new URLSearchParams(new FormData(form));
      var url = window.location.pathname + "?" + params.toString();
      fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
        .then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var fresh = page.getElementById("sql-block");
          var current = document.getElementById("sql-block");
          if (fresh && current) {
            current.replaceWith(fresh);
            window.history.replaceState(null, "", url);
            document.querySelectorAll("a.lang").forEach(function (link) {
              link.href = link.pathname + "?next=" + encodeURIComponent(url);
            });
          }
        })
        .catch(function () { form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-copy]").forEach(setUpCopy);
    document.querySelectorAll("[data-dialect-picker]").forEach(setUpPicker);
  });
})();
