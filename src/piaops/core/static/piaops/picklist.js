// Searchable pick lists (piaops.lib.picklist): typing in the filter box keeps only the options whose text contains
// what was typed (full-width and half-width alike, case ignored); the chosen options always stay. The page works
// without this script: the filter box stays hidden and the select is a plain select.
(function () {
  "use strict";
  const fold = (text) => text.normalize("NFKC").toLowerCase();

  function ready(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    const select = box.querySelector("select");
    const filter = box.querySelector("input[type=search]");
    const count = box.querySelector(".picklist-count");
    if (!select || !filter) return;
    box.querySelector(".picklist-filter").hidden = false;
    const options = Array.from(select.options).map((o) => [o, fold(o.text)]);
    filter.addEventListener("input", () => {
      const words = fold(filter.value).split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const [option, text] of options) {
        const hit = option.value === "" || option.selected || words.every((w) => text.includes(w));
        option.hidden = !hit;
        if (hit && option.value !== "") shown += 1;
      }
      count.textContent = words.length ? shown + "件" : "";
    });
    // Enter in the filter box moves to the list instead of sending the form half filled.
    filter.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        select.focus();
      }
    });
  }

  function readyAll(root) {
    root.querySelectorAll("[data-picklist]").forEach(ready);
  }
  document.addEventListener("DOMContentLoaded", () => readyAll(document));
  document.addEventListener("htmx:afterSwap", (event) => readyAll(event.target));
})();
