// Searchable pick lists (piaops.lib.picklist): typing in the filter box keeps only the options (or the checkboxes of
// a long list) whose text contains what was typed (full-width and half-width alike, case ignored); the chosen ones
// always stay. The page works without this script: the filter box stays hidden and the list is a plain list.
(function () {
  "use strict";
  const fold = (text) => text.normalize("NFKC").toLowerCase();

  function ready(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    const select = box.querySelector("select");
    const filter = box.querySelector("input[type=search]");
    const count = box.querySelector(".picklist-count");
    if (!filter) return;
    // A <select>: its options. A list of checkboxes: the line of each box (its label's text), hidden as a whole.
    let items;
    if (select) {
      items = Array.from(select.options).map((o) => [o, fold(o.text), o.value === "", () => o.selected]);
    } else {
      items = Array.from(box.querySelectorAll("input[type=checkbox]")).map((input) => {
        const line = input.closest("label")?.parentElement || input;
        return [line, fold(line.textContent), false, () => input.checked];
      });
      if (!items.length) return;
    }
    box.querySelector(".picklist-filter").hidden = false;
    filter.addEventListener("input", () => {
      const words = fold(filter.value).split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const [item, text, blank, chosen] of items) {
        const hit = blank || chosen() || words.every((w) => text.includes(w));
        item.hidden = !hit;
        if (hit && !blank) shown += 1;
      }
      count.textContent = words.length ? shown + "件" : "";
    });
    // Enter in the filter box moves to the list (the first box still shown) instead of sending the form half filled.
    filter.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        const first = select || items.map(([line]) => line).find((line) => !line.hidden)?.querySelector("input");
        if (first) first.focus();
      }
    });
  }

  function readyAll(root) {
    root.querySelectorAll("[data-picklist]").forEach(ready);
  }
  document.addEventListener("DOMContentLoaded", () => readyAll(document));
  document.addEventListener("htmx:afterSwap", (event) => readyAll(event.target));
})();
