/* Kapula's pages: how htmx treats refusals. Loaded after htmx (both deferred, in order); no inline script.
 *
 * htmx drops 4xx and 5xx answers by default, so a refused form (422 bad input, 409 someone else
 * claimed the task, 403, 404) left the page unchanged. Our pages answer refusals with a whole page
 * that says what is wrong and marks the fields: swap it in like any other answer. An answer that is
 * not a page (the JSON of a 503 while the database is away) is not swapped; a short notice says so.
 */
(function () {
  "use strict";
  if (typeof htmx === "undefined") { return; }
  /* pages hold personal data: htmx keeps no copy of them in the browser's storage, and Back asks
   * the server again (which, after sign-out, answers with the sign-in page) */
  htmx.config.historyCacheSize = 0;
  htmx.config.refreshOnHistoryMiss = true;
  try { sessionStorage.removeItem("htmx-history-cache"); localStorage.removeItem("htmx-history-cache"); } catch (e) { /* storage off */ }

  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[45]..", swap: true, error: false },
    { code: "...", swap: false }
  ];

  function notice(text) {
    var box = document.getElementById("kapula-notice");
    if (!box) {
      box = document.createElement("p");
      box.id = "kapula-notice";
      box.className = "error notice";
      box.setAttribute("role", "alert");
      var main = document.querySelector("main") || document.body;
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;
  }

  function noticeText(name) {
    var body = document.body;
    return (body && body.getAttribute("data-" + name)) || "";
  }

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    var type = (xhr && xhr.getResponseHeader("Content-Type")) || "";
    if (xhr && xhr.status >= 400 && type.indexOf("text/html") !== 0) {
      evt.detail.shouldSwap = false;
      notice(noticeText("unavailable"));
    }
  });

  document.addEventListener("htmx:sendError", function () {
    notice(noticeText("offline"));
  });

  /* after a refused form is swapped in, take the keyboard and the screen reader to what went wrong */
  document.addEventListener("htmx:afterSettle", function (evt) {
    var xhr = evt.detail.xhr;
    if (!xhr || xhr.status < 400) { return; }
    var target = document.querySelector("[aria-invalid=true]") || document.querySelector("[role=alert]");
    if (target) { target.focus(); }
  });
})();
