// The competitor search above the grid (#competitor-search): typing keeps only the rows whose
// code, workstation or name hold every word typed (any case, any accents: "ё" finds "е");
// Enter goes to the first row found (its first cell that can be marked, or the row), Escape
// shows everyone again. The count of rows shown is said politely (#competitor-search-count).
//
// findCompetitors is pure (tests/js/jump.test.mjs); createJump(view) wires it to the page:
// `view` is the page's shared context (tablet.js); the grid calls view.jump.apply() after it
// builds its rows.

import { byId } from "./dom.js";

// Lower case, without accents and without the spaces around: what is compared.
export function normalize(text) {
  return String(text ?? "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
}

// The words of a competitor that a search looks in.
function haystack(competitor) {
  return normalize([competitor.code, competitor.workstation, competitor.name].filter(
    (part) => part !== null && part !== undefined && part !== "").join(" "));
}

// The competitors that match `query` (all of them for an empty one), in their order. A code
// or a workstation typed alone ("12") finds that one first: exact matches lead.
export function findCompetitors(competitors, query) {
  const words = normalize(query).split(/\s+/).filter(Boolean);
  if (!words.length) return [...competitors];
  const found = competitors.filter((c) => words.every((word) => haystack(c).includes(word)));
  const exact = (c) => words.length === 1
    && (normalize(c.code) === words[0] || normalize(c.workstation) === words[0]);
  return [...found.filter(exact), ...found.filter((c) => !exact(c))];
}

export function createJump(view) {
  const { store, t } = view;
  const input = () => byId("competitor-search");

  function rows() {
    return [...byId("grid").querySelectorAll("tbody tr[data-competitor]")];
  }

  // Hides the rows not found; returns the competitors found.
  function apply() {
    const query = input().value;
    const found = findCompetitors(store.scheme.competitors, query);
    const codes = new Set(found.map((c) => c.code));
    for (const row of rows()) row.hidden = !codes.has(row.dataset.competitor);
    const count = byId("competitor-search-count");
    let text = "";
    if (query.trim()) {
      text = found.length ? t("search_count", { shown: found.length, total: store.scheme.competitors.length })
        : t("search_none", { query: query.trim() });
    }
    if (count.textContent !== text) count.textContent = text;
    return found;
  }

  function go() {
    const [first] = apply();
    if (!first) return;
    const row = rows().find((r) => r.dataset.competitor === first.code);
    if (!row) return;
    const target = row.querySelector("button.cell:not([aria-disabled])") || row.querySelector("button.cell");
    row.scrollIntoView({ block: "center" });
    if (target) target.focus();
    else {
      row.tabIndex = -1;
      row.focus();
    }
  }

  function wire() {
    const field = input();
    field.addEventListener("input", apply);
    field.addEventListener("search", apply); // the field's own clear button
    field.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        go();
      } else if (event.key === "Escape" && field.value) {
        event.preventDefault();
        field.value = "";
        apply();
      }
    });
  }

  return { apply, go, wire };
}
