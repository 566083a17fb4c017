// The tablet's value panel: the open cell's aspect and competitor, its mark now, why it cannot
// be marked or why it was refused, the values to choose (0–3 with the four descriptors for a
// judgement, the allowed marks for a measurement; keys 0–3 too), the reason a correction after
// an unlock needs, and "withdraw". Choosing a value hands it to the sync protocol
// (view.sync.enqueue) and moves on to the row's next cell.
//
// `view` is the page's shared context (tablet.js): store, sync, t, shown, lang, ui {sub, open},
// cellNodes, grid, announce.

import { cellKey, sameValue } from "./store.js";
import { byId, span } from "./dom.js";
import { renderKind } from "./kinds.js";

export function createPanel(view) {
  const { store, t, shown, lang, ui, cellNodes } = view;

  function descriptorText(descriptor) {
    if (descriptor === null || descriptor === undefined) return "";
    if (typeof descriptor === "object") {
      return descriptor[lang] || descriptor.ru || descriptor.kk || descriptor.en || "";
    }
    return String(descriptor).replace(/^\s*[0-3]\s*[:.)–—-]\s*/, "");
  }

  function open(cell, { focus = "value" } = {}) {
    if (ui.open !== cell) byId("reason").value = ""; // a reason belongs to one cell
    ui.open = cell;
    document.body.classList.add("panel-open");
    byId("value-panel").hidden = false;
    render(true);
    const node = cellNodes.get(cell);
    if (node) {
      cellNodes.forEach((other) => other.classList.toggle("is-open", other === node));
      node.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    if (focus === "reason") byId("reason").focus();
    else if (focus === "value") {
      const target = byId("panel-values").querySelector('[aria-pressed="true"]')
        || byId("panel-values").querySelector("button") || byId("panel-close");
      target.focus({ preventScroll: true });
    }
  }

  function close(returnFocus = true) {
    const cell = ui.open;
    ui.open = null;
    byId("value-panel").hidden = true;
    document.body.classList.remove("panel-open");
    cellNodes.forEach((node) => node.classList.remove("is-open"));
    byId("reason").value = "";
    if (returnFocus && cell && cellNodes.get(cell)) cellNodes.get(cell).focus();
  }

  // fresh: the value buttons are made again even when the cell and its markability are as before.
  function render(fresh = false) {
    const info = store.cellInfo(ui.open);
    if (!info) { close(false); return; }
    const { aspect, competitor } = info;
    byId("panel-title").textContent = t("panel_title", { aspect: aspect.code, competitor: competitor.code });
    byId("panel-competitor").textContent = competitor.name;
    byId("panel-aspect").textContent = aspect.description || "";
    byId("panel-type").textContent = t(`type_${aspect.type}`, { max: shown({ type: "M" }, aspect.max) });

    let current = t("current_none");
    if (info.pending.length) current = t("current_waiting", { value: shown(aspect, info.value) });
    else if (info.mark && info.mark.value !== null) current = t("current_value", { value: shown(aspect, info.mark.value) });
    byId("panel-current").textContent = current;

    const problem = byId("panel-problem");
    problem.textContent = info.state === "reason" ? (info.reason || t("reason_required")) : info.reason;
    problem.hidden = !problem.textContent;
    problem.dataset.state = info.state;

    renderDispute(info);

    const needReason = info.state === "reason";
    byId("panel-reason").hidden = !needReason;

    const values = byId("panel-values");
    if (fresh || values.dataset.cell !== info.cell || values.dataset.markable !== String(info.markable)) {
      values.dataset.cell = info.cell;
      values.dataset.markable = String(info.markable);
      values.className = `panel-values type-${aspect.type}`;
      values.replaceChildren();
      // an aspect kind (deduction, levels, yes/no) asks for its mark its own way (kinds.js)
      if (info.markable && !renderKind(values, aspect, view, info)) {
        aspect.values.forEach((value, index) => {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "value";
          button.dataset.value = String(value);
          button.append(span("value-number", shown(aspect, value)));
          if (aspect.type === "J" && aspect.descriptors) {
            button.append(span("value-descriptor", descriptorText(aspect.descriptors[index])));
          }
          values.append(button);
        });
      }
    }
    const chosen = info.pending.length ? info.value
      : (info.mark && info.mark.value !== null ? info.mark.value : null);
    for (const button of values.querySelectorAll("button.value")) {
      const pressed = chosen !== null && sameValue(button.dataset.value, chosen);
      button.setAttribute("aria-pressed", String(pressed));
    }
    const withdraw = byId("panel-withdraw");
    withdraw.hidden = !(info.markable && chosen !== null);
  }

  // A cell in dispute: the revealed scores with their descriptors, the spread, what to do and
  // who must re-mark (store.disputeOf).
  function renderDispute(info) {
    const box = byId("panel-dispute");
    const dispute = info.aspect.type === "J" ? store.disputeOf(info.cell) : null;
    box.hidden = !dispute;
    if (!dispute) { box.replaceChildren(); return; }
    const { aspect } = info;
    const title = document.createElement("p");
    title.className = "dispute-title";
    title.textContent = t("dispute_title", { spread: dispute.spread });
    const scores = document.createElement("ul");
    for (const [judge, value] of dispute.scores) {
      const item = document.createElement("li");
      item.append(span("dispute-score", t("dispute_score", { judge, value })));
      const descriptor = aspect.descriptors ? descriptorText(aspect.descriptors[value]) : "";
      if (descriptor) item.append(" — ", span("value-descriptor", descriptor));
      scores.append(item);
    }
    const todo = document.createElement("p");
    todo.textContent = t("dispute_todo");
    const who = document.createElement("p");
    who.textContent = dispute.remark.includes(store.me.code) && dispute.remark.length < dispute.scores.length
      ? t("dispute_you") : t("dispute_who", { judges: dispute.remark.join(", ") });
    box.replaceChildren(title, scores, todo, who);
  }

  // The row's next cell the expert can mark, after `cell`.
  function nextCell(cell) {
    const [aspectCode, competitorCode] = cell.split("|");
    const sub = view.grid.currentSub();
    const competitor = store.scheme.byCode.get(competitorCode);
    const index = sub.aspects.findIndex((a) => a.code === aspectCode);
    for (const aspect of sub.aspects.slice(index + 1)) {
      if (store.describe(aspect, competitor).markable) return cellKey(aspect.code, competitor.code);
    }
    return null;
  }

  // A value button, or withdraw (null).
  function choose(rawValue) {
    const info = store.cellInfo(ui.open);
    if (!info || !info.markable) return;
    const { aspect, competitor } = info;
    const value = rawValue === null ? null : (aspect.type === "J" ? Number(rawValue) : rawValue);
    const reasonField = byId("reason");
    const reason = reasonField.value.trim();
    if (info.state === "reason" && !reason) {
      reasonField.setAttribute("aria-invalid", "true");
      reasonField.focus();
      return;
    }
    reasonField.removeAttribute("aria-invalid");
    const current = info.pending.length ? info.value : (info.mark ? info.mark.value : null);
    const unchanged = info.state !== "reason" && info.state !== "conflict" && info.state !== "rejected"
      && sameValue(current, value);
    if (!unchanged) view.sync.enqueue(aspect, competitor, value, reason);
    const row = store.rowProgress(view.grid.currentSub(), competitor);
    const next = value === null ? null : nextCell(info.cell);
    if (next) {
      byId("reason").value = "";
      open(next);
    } else {
      close();
      if (row.total && row.done + row.waiting >= row.total) {
        view.announce(t("announce_row_done", { competitor: competitor.code, sub: ui.sub }));
      }
    }
  }

  function wire() {
    byId("panel-values").addEventListener("click", (event) => {
      const button = event.target.closest("button.value");
      if (button) choose(button.dataset.value);
    });
    byId("panel-withdraw").addEventListener("click", () => choose(null));
    byId("panel-close").addEventListener("click", () => close());
    byId("value-panel").addEventListener("keydown", (event) => {
      if (event.key === "Escape") { event.preventDefault(); close(); return; }
      if (event.target.tagName === "TEXTAREA") return;
      const button = byId("panel-values").querySelector(`button.value[data-value="${CSS.escape(event.key)}"]`);
      if (button && /^[0-3]$/.test(event.key)) { event.preventDefault(); button.click(); }
    });
  }

  return { open, close, render, wire };
}
