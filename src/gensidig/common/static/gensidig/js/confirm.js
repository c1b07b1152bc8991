// Ask before an action that cannot be undone or that sends email (see common/confirm.py).
// A form marked `data-confirm` does not submit at once: the server's own confirmation page
// for the same request is fetched and its question and form are shown in a native
// <dialog>. "Yes" posts that form (with confirm=yes); "No" or Escape closes the dialog.
// Without JavaScript, or if the fetch fails, the form posts without confirm=yes and the
// server answers with the same question as a page: nothing happens without a yes.
(function () {
  "use strict";

  function questionUrl(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    var params = new URLSearchParams();
    data.forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") params.append(name, value);
    });
    var action = form.getAttribute("action") || window.location.pathname;
    return action + (action.indexOf("?") < 0 ? "?" : "&") + params.toString();
  }

  function show(section) {
    var dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-title");
    dialog.appendChild(document.importNode(section, true));
    document.body.appendChild(dialog);
    dialog.addEventListener("close", function () { dialog.remove(); });
    dialog.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest("[data-confirm-cancel]")) {
        event.preventDefault();
        dialog.close();
      }
    });
    dialog.showModal();
    var yes = dialog.querySelector("button[type='submit']");
    if (yes) yes.focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-confirm")) return;
    if (typeof HTMLDialogElement !== "function" || !window.fetch) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    fetch(questionUrl(form, event.submitter), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var section = page.getElementById("confirm-question");
        if (!section) throw new Error("no question");
        show(section);
      })
      .catch(function () {
        // The server asks on a page of its own instead.
        form.removeAttribute("data-confirm");
        if (event.submitter && form.requestSubmit) form.requestSubmit(event.submitter);
        else form.submit();
      });
  }, true);
})();
