// Drag a card on the discoveries board to another stage's column. Dropping does exactly
// what the card's own move button or link does (htmx posts the move, or the page with the
// move's form opens), so without JavaScript or a mouse those controls still work.
(function () {
  "use strict";
  var dragged = null;

  function columnOf(event) {
    return event.target.closest ? event.target.closest(".discovery-column") : null;
  }

  function controlFor(card, column) {
    return card.querySelector("[data-move-to='" + column.dataset.stage + "']");
  }

  function clearTargets() {
    document.querySelectorAll(".drop-target").forEach(function (column) {
      column.classList.remove("drop-target");
    });
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".discovery-card[draggable='true']") : null;
    if (!card) return;
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
  });

  document.addEventListener("dragover", function (event) {
    var column = columnOf(event);
    if (!dragged || !column || !controlFor(dragged, column)) return;
    event.preventDefault();  // only the allowed stages accept the card
    column.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var column = columnOf(event);
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
  });

  document.addEventListener("drop", function (event) {
    var column = columnOf(event);
    var card = dragged;
    dragged = null;
    clearTargets();
    if (!card || !column) return;
    var control = controlFor(card, column);
    if (!control) return;
    event.preventDefault();
    if (control.tagName === "A") {
      window.location.assign(control.href);
    } else {
      control.click();
    }
  });

  document.addEventListener("dragend", function () {
    dragged = null;
    clearTargets();
  });
})();
