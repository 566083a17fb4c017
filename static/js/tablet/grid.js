// The tablet's grid: competitors × the aspects of one sub-criterion, one button per cell (a
// plain span read-only), each showing its state in an icon, words and its aria-label; the row
// and sub-criterion progress; the sub-criterion picker; the arrow keys between cells.
//
// `view` is the page's shared context (tablet.js): store, t, shown, ui {sub, open}, cellNodes,
// panel, renderAll. Reads the Store, never the protocol.

import { cellKey } from "./store.js";
import { byId, icon, span } from "./dom.js";

const STATE_ICON = {
  empty: "dash", saved: "check", waiting: "clock", sending: "clock", conflict: "warn",
  rejected: "cross", reason: "warn", locked: "lock", compatriot: "ban", withdrawn: "dash",
  full: "dash", not_team: "ban", not_panel: "ban",
};

export function createGrid(view) {
  const { store, t, shown, ui, cellNodes } = view;
  const { scheme } = store;

  const stateText = (info) => t(`state_${info.state}`);

  // The value shown in a cell: never "0" for a cell that has no mark.
  function cellValue(info) {
    if (["compatriot", "withdrawn", "not_team", "not_panel", "full"].includes(info.state)) return "";
    if (info.value === null || info.value === undefined) return info.state === "empty" ? "" : "–";
    return shown(info.aspect, info.value);
  }

  function disputeFlag() {
    const flag = span("cell-flag");
    flag.append(icon("flag"), " ", t("dispute"));
    return flag;
  }

  function renderCell(cell) {
    const node = cellNodes.get(cell);
    if (!node) return;
    const { aspect, competitor } = store.cellOf(cell);
    if (store.readOnly) { renderReadOnlyCell(node, aspect, competitor); return; }
    const info = store.describe(aspect, competitor);
    node.dataset.state = info.state;
    node.classList.toggle("has-dispute", info.dispute);
    if (info.markable) node.removeAttribute("aria-disabled");
    else node.setAttribute("aria-disabled", "true");
    const parts = [icon(STATE_ICON[info.state] || "dash")];
    const value = cellValue(info);
    if (value) parts.push(span("cell-value", value));
    parts.push(span("cell-state", stateText(info)));
    if (info.state === "rejected" || info.state === "conflict") parts.push(span("cell-reason", info.reason));
    if (info.dispute) parts.push(disputeFlag());
    // Blind judgement: the co-judges' scores show once all have scored; until then a count.
    const count = info.count && info.count.scored < info.count.of
      ? t("scored", { n: info.count.scored, total: info.count.of }) : "";
    if (count) parts.push(span("cell-count", count));
    node.replaceChildren(...parts);
    const described = [stateText(info), value, info.reason, count, info.dispute ? t("dispute") : ""]
      .filter(Boolean).join(", ");
    node.setAttribute("aria-label", t("cell_label", {
      aspect: aspect.code, competitor: `${competitor.code} ${competitor.name}`, state: described,
    }));
    node.title = info.reason || stateText(info);
  }

  // Organizers: every judge's value of the cell, and how many of the judges wanted have marked.
  function renderReadOnlyCell(node, aspect, competitor) {
    const marks = store.cells.get(cellKey(aspect.code, competitor.code));
    const values = marks ? [...marks.entries()].filter(([, m]) => m.value !== null || m.hidden)
      .sort(([a], [b]) => a.localeCompare(b)) : [];
    const dispute = aspect.type === "J" && store.disputes.has(cellKey(aspect.code, competitor.code));
    let text;
    if (!values.length) text = t("state_empty");
    else if (aspect.type === "J") {
      text = `${values.map(([, m]) => (m.hidden ? "?" : m.value)).join(" · ")} (${t("judges", { n: values.length, total: store.skill.judges_per_aspect })})`;
    } else text = shown(aspect, values[0][1].value);
    node.dataset.state = values.length ? "saved" : "empty";
    const parts = [icon(values.length ? "check" : "dash"), span("cell-value", text)];
    if (dispute) parts.push(disputeFlag());
    node.replaceChildren(...parts);
  }

  function currentSub() {
    return scheme.subs.find((sub) => sub.code === ui.sub) || null;
  }

  function renderProgress() {
    const sub = currentSub();
    if (!sub) return;
    for (const competitor of scheme.competitors) {
      const node = document.querySelector(`[data-progress="${CSS.escape(competitor.code)}"]`);
      if (!node) continue;
      const row = store.rowProgress(sub, competitor);
      if (!row.total) { node.textContent = ""; continue; }
      node.textContent = t("row_progress", row)
        + (row.waiting ? ` · ${t("row_waiting", { n: row.waiting })}` : "");
      node.classList.toggle("complete", row.done === row.total);
    }
    renderPicker();
  }

  // The picker's options: the sub-criteria the expert marks (after the scheme is loaded).
  function fillPicker() {
    byId("sub-criterion").replaceChildren(...scheme.subs.filter((sub) => store.inTeam(sub)).map((sub) => {
      const option = document.createElement("option");
      option.value = sub.code;
      option.textContent = sub.code;
      return option;
    }));
  }

  function renderPicker() {
    const select = byId("sub-criterion");
    for (const option of select.options) {
      const sub = scheme.subs.find((s) => s.code === option.value);
      if (!sub) continue;
      const progress = store.subProgress(sub);
      const key = store.locked.get(sub.code) ? "sub_option_locked" : "sub_option";
      const text = t(key, { code: sub.code, name: sub.name, day: sub.day, ...progress });
      if (option.textContent !== text) option.textContent = text;
    }
  }

  function renderLockBanner() {
    const sub = currentSub();
    byId("lock-banner").hidden = !(sub && store.locked.get(sub.code));
  }

  function renderCells() {
    for (const cell of cellNodes.keys()) renderCell(cell);
  }

  function build() {
    const sub = currentSub();
    const table = byId("grid");
    cellNodes.clear();
    table.replaceChildren();
    if (!sub) return;
    const caption = document.createElement("caption");
    caption.className = "visually-hidden";
    caption.textContent = `${sub.code} ${sub.name} · ${sub.day}`;
    table.append(caption);

    const head = document.createElement("thead");
    const headRow = document.createElement("tr");
    const corner = document.createElement("th");
    corner.scope = "col";
    corner.textContent = t("competitor");
    headRow.append(corner);
    for (const aspect of sub.aspects) {
      const th = document.createElement("th");
      th.scope = "col";
      th.className = `aspect-head type-${aspect.type}`;
      th.append(span("aspect-code", aspect.code),
        span("aspect-type", `${aspect.type} · ${shown({ type: "M" }, aspect.max)}`),
        span("aspect-description", aspect.description || ""));
      headRow.append(th);
    }
    head.append(headRow);
    table.append(head);

    const body = document.createElement("tbody");
    if (!sub.aspects.length) {
      const row = document.createElement("tr");
      const td = document.createElement("td");
      td.textContent = t("no_aspects");
      row.append(td);
      body.append(row);
    }
    scheme.competitors.forEach((competitor, rowIndex) => {
      if (sub.aspects.length) body.append(buildRow(sub, competitor, rowIndex));
    });
    table.append(body);
    if (view.jump) view.jump.apply(); // the competitor search keeps its rows
    view.renderAll();
  }

  function buildRow(sub, competitor, rowIndex) {
    const row = document.createElement("tr");
    row.dataset.competitor = competitor.code;
    const th = document.createElement("th");
    th.scope = "row";
    th.className = "competitor";
    const name = span("competitor-name");
    name.append(span("competitor-code", competitor.code), " ", competitor.name);
    th.append(name);
    const meta = [];
    if (competitor.workstation) meta.push(t("workstation", { n: competitor.workstation }));
    if (competitor.status === "guest") meta.push(t("guest"));
    if (meta.length) th.append(span("competitor-meta", meta.join(" · ")));
    let noteId = "";
    if (!store.readOnly && (competitor.status === "withdrawn" || store.isCompatriot(competitor))) {
      noteId = `note-${rowIndex}`;
      const note = span("competitor-note", competitor.status === "withdrawn" ? t("reason_withdrawn") : t("reason_compatriot"));
      note.id = noteId;
      th.append(note);
    }
    const progress = span("row-progress");
    progress.dataset.progress = competitor.code;
    th.append(progress);
    row.append(th);
    sub.aspects.forEach((aspect, columnIndex) => {
      const td = document.createElement("td");
      let node;
      if (store.readOnly) {
        node = span("cell cell-static");
      } else {
        node = document.createElement("button");
        node.type = "button";
        node.className = "cell";
        node.dataset.row = String(rowIndex);
        node.dataset.column = String(columnIndex);
        if (noteId) node.setAttribute("aria-describedby", noteId);
      }
      node.dataset.aspect = aspect.code;
      node.dataset.competitor = competitor.code;
      cellNodes.set(cellKey(aspect.code, competitor.code), node);
      td.append(node);
      row.append(td);
    });
    return row;
  }

  function chooseSub(code, { remember = true } = {}) {
    if (!scheme.subs.some((sub) => sub.code === code)) return;
    ui.sub = code;
    view.panel.close(false);
    byId("sub-criterion").value = code;
    if (remember) {
      const url = new URL(window.location.href);
      url.searchParams.set("sub", code);
      window.history.replaceState(null, "", url);
    }
    build();
  }

  function wire() {
    const select = byId("sub-criterion");
    select.addEventListener("change", () => chooseSub(select.value));
    const step = (delta) => {
      const options = [...select.options];
      const index = options.findIndex((o) => o.value === ui.sub) + delta;
      if (index >= 0 && index < options.length) chooseSub(options[index].value);
    };
    byId("sub-prev").addEventListener("click", () => step(-1));
    byId("sub-next").addEventListener("click", () => step(1));

    const grid = byId("grid");
    grid.addEventListener("click", (event) => {
      const node = event.target.closest("button.cell");
      if (!node) return;
      view.panel.open(cellKey(node.dataset.aspect, node.dataset.competitor));
    });
    grid.addEventListener("keydown", (event) => {
      const node = event.target.closest("button.cell");
      const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
      if (!node || !moves[event.key]) return;
      const [dr, dc] = moves[event.key];
      let [row, column] = [Number(node.dataset.row), Number(node.dataset.column)];
      let target;
      do { // over the rows the competitor search hides
        [row, column] = [row + dr, column + dc];
        target = grid.querySelector(`button.cell[data-row="${row}"][data-column="${column}"]`);
      } while (target && target.closest("tr").hidden);
      if (target) { event.preventDefault(); target.focus(); }
    });
  }

  return {
    build, chooseSub, currentSub, fillPicker, renderCell, renderCells, renderProgress,
    renderLockBanner, wire,
  };
}
