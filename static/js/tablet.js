// The expert's tablet: a grid of competitors × the aspects of one sub-criterion, a value panel
// (0–3 with the descriptors for a judgement, the allowed marks for a measurement), and an
// outbox that keeps every mark on the tablet until the server has answered it.
//
// Data: GET /api/v1/skills/<ref> (scheme, competitors, experts) and …/marks?since=V; live:
// Socket.IO `panel:join`, events `marks`, `dispute`, `lock`; marks go out as `mark:submit`
// with an acknowledgement (docs/api.md). Socket.IO does not replay missed events, so every
// (re)connection is followed by a resync over HTTP from the last version seen.

import { Outbox, deviceLabel, newId } from "./outbox.js";
import { format } from "./text.js";

const ACK_TIMEOUT = 8000; // ms without an answer: the mark stays in the outbox, resent later
const DRAIN_EVERY = 4000; // ms between two passes over the outbox
const RESYNC_EVERY = 60000; // ms between two catch-up reads while connected
const RETRY_LOAD = 5000; // ms before loading the skill again after a failure
const SVG = "http://www.w3.org/2000/svg";

const data = JSON.parse(document.getElementById("tablet-data").textContent);
const config = data.config;
const strings = data.strings;
const lang = document.documentElement.lang || "ru";
const byId = (id) => document.getElementById(id);

const t = (key, values = {}) => format(strings[key] || key, values);

const decimals = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 4 });

function shown(aspect, value) {
  if (value === null || value === undefined) return "–";
  if (aspect.type === "J") return String(value);
  const number = Number(value);
  return Number.isFinite(number) ? decimals.format(number) : String(value);
}

function sameValue(a, b) {
  const empty = (v) => v === null || v === undefined;
  if (empty(a) || empty(b)) return empty(a) && empty(b);
  return Number(a) === Number(b);
}

// --- icons (drawn, so that no state depends on an emoji font) ----------------------------------

const ICONS = {
  dash: '<path d="M6 12h12"/>',
  check: '<path d="M4.5 12.5l5 5L19.5 7"/>',
  clock: '<circle cx="12" cy="12" r="8.5"/><path d="M12 7v5.5l3.5 2"/>',
  warn: '<path d="M12 3.5L2.5 20h19z"/><path d="M12 10v4.5M12 17.2v.3"/>',
  cross: '<path d="M6 6l12 12M18 6L6 18"/>',
  ban: '<circle cx="12" cy="12" r="8.5"/><path d="M6 18L18 6"/>',
  lock: '<rect x="5" y="10.5" width="14" height="10" rx="1.5"/><path d="M8 10.5V7.5a4 4 0 018 0v3"/>',
  flag: '<path d="M5 21V4M5 4h11l-2 4 2 4H5"/>',
};

function icon(name) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.classList.add("icon", `icon-${name}`);
  svg.innerHTML = ICONS[name]; // constant markup, never data
  return svg;
}

function span(className, text) {
  const node = document.createElement("span");
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// --- state -------------------------------------------------------------------------------------

const state = {
  skill: null,
  version: null, // the skill version of the last complete read over HTTP
  marks: new Map(), // "aspect|competitor|judge" -> mark
  cells: new Map(), // "aspect|competitor" -> Map(judge or "" -> mark)
  locked: new Map(), // sub-criterion code -> true/false
  disputes: new Set(), // "aspect|competitor" in dispute
  refused: new Map(), // cell -> {kind: conflict|rejected|reason, message, value}
  sub: null,
  open: null, // the cell shown in the value panel
  connected: false,
  tried: false, // a connection was made or refused at least once
  joined: false,
  sessionEnded: false,
  inFlight: new Set(), // ids of outbox entries sent and not yet answered
};
const scheme = { subs: [], aspects: new Map(), competitors: [], byCode: new Map() };
const me = { code: config.expert, organization: null, team: new Set() };
const readOnly = Boolean(config.readOnly);
const outbox = readOnly ? null : new Outbox(config.user, `${config.championship}/${config.skill}`);
const device = readOnly ? "" : deviceLabel();
let socket = null;
const cellNodes = new Map(); // cell -> the grid's element

const cellKey = (aspect, competitor) => `${aspect}|${competitor}`;

// --- marks, disputes, locks --------------------------------------------------------------------

function applyMark(mark) {
  if (!mark || (mark.skill && mark.skill !== config.skill && mark.skill !== config.ref)) return;
  const judge = mark.judge || "";
  const key = `${mark.aspect}|${mark.competitor}|${judge}`;
  const old = state.marks.get(key);
  if (old && (old.version > mark.version
      || (old.version === mark.version && old.revision > mark.revision))) return;
  state.marks.set(key, mark);
  const cell = cellKey(mark.aspect, mark.competitor);
  if (!state.cells.has(cell)) state.cells.set(cell, new Map());
  state.cells.get(cell).set(judge, mark);
}

function applyDispute(event) {
  if (!event || !event.aspect) return;
  const cell = cellKey(event.aspect, event.competitor);
  const before = state.disputes.has(cell);
  if (event.open === false) state.disputes.delete(cell);
  else state.disputes.add(cell);
  if (!before && state.disputes.has(cell) && cellIsMine(cell)) {
    announce(t("announce_dispute", { aspect: event.aspect, competitor: event.competitor }));
  }
}

function applyLocks(locks) {
  if (Array.isArray(locks)) {
    for (const item of locks) {
      if (typeof item === "string") state.locked.set(item, true);
      else if (item && item.sub_criterion) state.locked.set(item.sub_criterion, Boolean(item.locked));
    }
  } else if (locks && typeof locks === "object") {
    for (const [code, locked] of Object.entries(locks)) state.locked.set(code, Boolean(locked));
  }
}

function myMark(aspect, competitor) {
  const marks = state.cells.get(cellKey(aspect.code, competitor.code));
  if (!marks) return null;
  return marks.get(aspect.type === "J" ? me.code : "") || null;
}

function cellIsMine(cell) {
  const [aspectCode, competitorCode] = cell.split("|");
  const aspect = scheme.aspects.get(aspectCode);
  const competitor = scheme.byCode.get(competitorCode);
  return Boolean(aspect && competitor && myMark(aspect, competitor));
}

// --- what a cell shows -------------------------------------------------------------------------

function inTeam(sub) {
  return readOnly || me.team.size === 0 || me.team.has(sub.criterion);
}

function isCompatriot(competitor) {
  return !readOnly && Boolean(me.organization) && competitor.organization === me.organization;
}

// Everything the grid and the panel need to know about one cell.
function describe(aspect, competitor) {
  const sub = aspect.sub;
  const cell = cellKey(aspect.code, competitor.code);
  const mark = myMark(aspect, competitor);
  const info = {
    cell, aspect, competitor, mark, value: mark ? mark.value : null, markable: false,
    state: "empty", reason: "", dispute: aspect.type === "J" && state.disputes.has(cell),
    pending: outbox ? outbox.forCell(cell) : [],
  };
  const locked = Boolean(state.locked.get(sub.code));
  if (competitor.status === "withdrawn") return { ...info, state: "withdrawn", reason: t("reason_withdrawn") };
  if (isCompatriot(competitor)) return { ...info, state: "compatriot", reason: t("reason_compatriot") };
  if (!inTeam(sub)) return { ...info, state: "not_team", reason: t("reason_not_team") };
  if (info.pending.length) {
    const last = info.pending[info.pending.length - 1];
    const sending = info.pending.some((entry) => state.inFlight.has(entry.id));
    return { ...info, value: last.value, markable: !locked, state: sending ? "sending" : "waiting" };
  }
  if (locked) return { ...info, state: "locked", reason: t("reason_locked") };
  const refused = state.refused.get(cell);
  if (refused) {
    return { ...info, markable: true, state: refused.kind, reason: refused.message,
             value: refused.kind === "reason" ? refused.value : info.value };
  }
  if (mark && mark.value !== null) return { ...info, markable: true, state: "saved" };
  if (aspect.type === "J") {
    const marks = state.cells.get(cell);
    const others = marks ? [...marks.entries()].filter(([judge, m]) => judge !== me.code && m.value !== null) : [];
    if (others.length >= state.skill.judges_per_aspect) {
      return { ...info, state: "full", reason: t("reason_full") };
    }
  }
  return { ...info, markable: true, state: "empty" };
}

const STATE_ICON = {
  empty: "dash", saved: "check", waiting: "clock", sending: "clock", conflict: "warn",
  rejected: "cross", reason: "warn", locked: "lock", compatriot: "ban", withdrawn: "dash",
  full: "dash", not_team: "ban",
};

function stateText(info) {
  return t(`state_${info.state}`);
}

// The value shown in a cell: never "0" for a cell that has no mark.
function cellValue(info) {
  if (["compatriot", "withdrawn", "not_team", "full"].includes(info.state)) return "";
  if (info.value === null || info.value === undefined) return info.state === "empty" ? "" : "–";
  return shown(info.aspect, info.value);
}

function renderCell(cell) {
  const node = cellNodes.get(cell);
  if (!node) return;
  const [aspectCode, competitorCode] = cell.split("|");
  const aspect = scheme.aspects.get(aspectCode);
  const competitor = scheme.byCode.get(competitorCode);
  if (readOnly) { renderReadOnlyCell(node, aspect, competitor); return; }
  const info = describe(aspect, competitor);
  node.dataset.state = info.state;
  node.classList.toggle("has-dispute", info.dispute);
  if (info.markable) node.removeAttribute("aria-disabled");
  else node.setAttribute("aria-disabled", "true");
  const parts = [icon(STATE_ICON[info.state] || "dash")];
  const value = cellValue(info);
  if (value) parts.push(span("cell-value", value));
  parts.push(span("cell-state", stateText(info)));
  if (info.state === "rejected" || info.state === "conflict") parts.push(span("cell-reason", info.reason));
  if (info.dispute) {
    const flag = span("cell-flag");
    flag.append(icon("flag"), " ", t("dispute"));
    parts.push(flag);
  }
  node.replaceChildren(...parts);
  const described = [stateText(info), value, info.reason, info.dispute ? t("dispute") : ""]
    .filter(Boolean).join(", ");
  node.setAttribute("aria-label", t("cell_label", {
    aspect: aspect.code, competitor: `${competitor.code} ${competitor.name}`, state: described,
  }));
  node.title = info.reason || stateText(info);
}

function renderReadOnlyCell(node, aspect, competitor) {
  const marks = state.cells.get(cellKey(aspect.code, competitor.code));
  const values = marks ? [...marks.entries()].filter(([, m]) => m.value !== null)
    .sort(([a], [b]) => a.localeCompare(b)) : [];
  const dispute = aspect.type === "J" && state.disputes.has(cellKey(aspect.code, competitor.code));
  let text;
  if (!values.length) text = t("state_empty");
  else if (aspect.type === "J") {
    text = `${values.map(([, m]) => m.value).join(" · ")} (${t("judges", { n: values.length, total: state.skill.judges_per_aspect })})`;
  } else text = shown(aspect, values[0][1].value);
  node.dataset.state = values.length ? "saved" : "empty";
  const parts = [icon(values.length ? "check" : "dash"), span("cell-value", text)];
  if (dispute) {
    const flag = span("cell-flag");
    flag.append(icon("flag"), " ", t("dispute"));
    parts.push(flag);
  }
  node.replaceChildren(...parts);
}

// --- progress ----------------------------------------------------------------------------------

function rowProgress(sub, competitor) {
  let done = 0; let total = 0; let waiting = 0;
  for (const aspect of sub.aspects) {
    if (readOnly) {
      if (competitor.status === "withdrawn") continue;
      const marks = state.cells.get(cellKey(aspect.code, competitor.code));
      const count = marks ? [...marks.values()].filter((m) => m.value !== null).length : 0;
      const wanted = aspect.type === "J" ? state.skill.judges_per_aspect : 1;
      total += wanted;
      done += Math.min(count, wanted);
      continue;
    }
    const info = describe(aspect, competitor);
    if (["withdrawn", "compatriot", "not_team", "full"].includes(info.state)) continue;
    total += 1;
    if (info.mark && info.mark.value !== null) done += 1;
    if (info.pending.length) waiting += 1;
  }
  return { done, total, waiting };
}

function subProgress(sub) {
  let done = 0; let total = 0;
  for (const competitor of scheme.competitors) {
    const row = rowProgress(sub, competitor);
    done += row.done;
    total += row.total;
  }
  return { done, total };
}

function renderProgress() {
  const sub = currentSub();
  if (!sub) return;
  for (const competitor of scheme.competitors) {
    const node = document.querySelector(`[data-progress="${CSS.escape(competitor.code)}"]`);
    if (!node) continue;
    const row = rowProgress(sub, competitor);
    if (!row.total) { node.textContent = ""; continue; }
    node.textContent = t("row_progress", row)
      + (row.waiting ? ` · ${t("row_waiting", { n: row.waiting })}` : "");
    node.classList.toggle("complete", row.done === row.total);
  }
  renderPicker();
}

function renderPicker() {
  const select = byId("sub-criterion");
  for (const option of select.options) {
    const sub = scheme.subs.find((s) => s.code === option.value);
    if (!sub) continue;
    const progress = subProgress(sub);
    const key = state.locked.get(sub.code) ? "sub_option_locked" : "sub_option";
    const text = t(key, { code: sub.code, name: sub.name, day: sub.day, ...progress });
    if (option.textContent !== text) option.textContent = text;
  }
}

// --- the grid ----------------------------------------------------------------------------------

function currentSub() {
  return scheme.subs.find((sub) => sub.code === state.sub) || null;
}

function buildGrid() {
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
    if (!sub.aspects.length) return;
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
    if (!readOnly && (competitor.status === "withdrawn" || isCompatriot(competitor))) {
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
      if (readOnly) {
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
    body.append(row);
  });
  table.append(body);
  renderAll();
}

function renderAll() {
  for (const cell of cellNodes.keys()) renderCell(cell);
  renderProgress();
  renderLockBanner();
  if (state.open) renderPanel();
  renderStatus();
}

function renderLockBanner() {
  const sub = currentSub();
  byId("lock-banner").hidden = !(sub && state.locked.get(sub.code));
}

function chooseSub(code, { remember = true } = {}) {
  if (!scheme.subs.some((sub) => sub.code === code)) return;
  state.sub = code;
  closePanel(false);
  byId("sub-criterion").value = code;
  if (remember) {
    const url = new URL(window.location.href);
    url.searchParams.set("sub", code);
    window.history.replaceState(null, "", url);
  }
  buildGrid();
}

function defaultSub() {
  const wanted = new URL(window.location.href).searchParams.get("sub");
  const mine = scheme.subs.filter(inTeam);
  if (wanted && mine.some((sub) => sub.code === wanted)) return wanted;
  const unfinished = (sub) => {
    const p = subProgress(sub);
    return !state.locked.get(sub.code) && p.done < p.total;
  };
  const today = mine.filter((sub) => sub.day === config.day);
  const pick = today.find(unfinished) || mine.find(unfinished) || today[0] || mine[0] || scheme.subs[0];
  return pick ? pick.code : null;
}

// --- the value panel ---------------------------------------------------------------------------

function descriptorText(descriptor) {
  if (descriptor === null || descriptor === undefined) return "";
  if (typeof descriptor === "object") {
    return descriptor[lang] || descriptor.ru || descriptor.kk || descriptor.en || "";
  }
  return String(descriptor).replace(/^\s*[0-3]\s*[:.)–—-]\s*/, "");
}

function cellInfo(cell) {
  const [aspectCode, competitorCode] = cell.split("|");
  const aspect = scheme.aspects.get(aspectCode);
  const competitor = scheme.byCode.get(competitorCode);
  return aspect && competitor ? describe(aspect, competitor) : null;
}

function openPanel(cell, { focus = "value" } = {}) {
  if (state.open !== cell) byId("reason").value = ""; // a reason belongs to one cell
  state.open = cell;
  document.body.classList.add("panel-open");
  byId("value-panel").hidden = false;
  renderPanel(true);
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

function closePanel(returnFocus = true) {
  const cell = state.open;
  state.open = null;
  byId("value-panel").hidden = true;
  document.body.classList.remove("panel-open");
  cellNodes.forEach((node) => node.classList.remove("is-open"));
  byId("reason").value = "";
  if (returnFocus && cell && cellNodes.get(cell)) cellNodes.get(cell).focus();
}

function renderPanel(fresh = false) {
  const info = cellInfo(state.open);
  if (!info) { closePanel(false); return; }
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

  const needReason = info.state === "reason";
  byId("panel-reason").hidden = !needReason;

  const values = byId("panel-values");
  if (fresh || values.dataset.cell !== info.cell || values.dataset.markable !== String(info.markable)) {
    values.dataset.cell = info.cell;
    values.dataset.markable = String(info.markable);
    values.className = `panel-values type-${aspect.type}`;
    values.replaceChildren();
    if (info.markable) {
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

function nextCell(cell) {
  const [aspectCode, competitorCode] = cell.split("|");
  const sub = currentSub();
  const competitor = scheme.byCode.get(competitorCode);
  const index = sub.aspects.findIndex((a) => a.code === aspectCode);
  for (const aspect of sub.aspects.slice(index + 1)) {
    if (describe(aspect, competitor).markable) return cellKey(aspect.code, competitor.code);
  }
  return null;
}

function choose(rawValue) {
  const info = cellInfo(state.open);
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
  if (!unchanged) enqueue(aspect, competitor, value, reason);
  const row = rowProgress(currentSub(), competitor);
  const next = value === null ? null : nextCell(info.cell);
  if (next) {
    byId("reason").value = "";
    openPanel(next);
  } else {
    closePanel();
    if (row.total && row.done + row.waiting >= row.total) {
      announce(t("announce_row_done", { competitor: competitor.code, sub: state.sub }));
    }
  }
}

// --- the outbox --------------------------------------------------------------------------------

function enqueue(aspect, competitor, value, reason) {
  const cell = cellKey(aspect.code, competitor.code);
  const entries = outbox.forCell(cell);
  const last = entries[entries.length - 1];
  let base = 0;
  let follows = false;
  if (last && !last.tried && !state.inFlight.has(last.id)) {
    // Not sent yet: the new value takes its place (with the base it was made against).
    outbox.remove(last.id);
    ({ base, follows } = last);
  } else if (last) {
    follows = true; // its base is the revision the earlier entry will create
  } else {
    const mark = myMark(aspect, competitor);
    base = mark ? mark.revision : 0;
  }
  outbox.add({
    id: newId(), cell, skill: config.ref, competitor: competitor.code, aspect: aspect.code,
    value, base, follows, reason: reason || "", device, at: new Date().toISOString(), tried: false,
  });
  state.refused.delete(cell);
  renderCell(cell);
  renderProgress();
  renderStatus();
  if (!state.joined) {
    announce(t("announce_waiting", { aspect: aspect.code, competitor: competitor.code, value: shown(aspect, value) }));
  }
  drain();
}

function drain() {
  if (!outbox) return;
  if (!socket || !socket.connected || !state.joined) { renderStatus(); return; }
  for (const entry of outbox.heads()) {
    if (!state.inFlight.has(entry.id)) send(entry);
  }
  renderStatus();
}

function send(entry) {
  let { base } = entry;
  if (entry.follows) {
    // Its predecessor's answer was lost with the page: the best base known now.
    const aspect = scheme.aspects.get(entry.aspect);
    const competitor = scheme.byCode.get(entry.competitor);
    const mark = aspect && competitor ? myMark(aspect, competitor) : null;
    base = mark ? mark.revision : 0;
  }
  const payload = {
    id: entry.id, skill: entry.skill, competitor: entry.competitor, aspect: entry.aspect,
    value: entry.value, base, reason: entry.reason || "", device: entry.device || device,
  };
  state.inFlight.add(entry.id);
  if (!entry.tried) outbox.update(entry.id, { tried: true });
  socket.timeout(ACK_TIMEOUT).emit("mark:submit", payload, (error, answer) => {
    state.inFlight.delete(entry.id);
    if (error || !answer) { // no answer: kept, resent with the same id
      renderCell(entry.cell);
      renderStatus();
      return;
    }
    settle(entry, answer);
  });
  renderCell(entry.cell);
}

function settle(entry, answer) {
  if (!outbox.get(entry.id)) return; // answered already (a duplicate answer)
  const aspect = scheme.aspects.get(entry.aspect);
  const words = { aspect: entry.aspect, competitor: entry.competitor };
  if (answer.ok) {
    outbox.remove(entry.id);
    if (answer.mark) applyMark(answer.mark);
    const next = outbox.forCell(entry.cell)[0];
    if (next && next.follows) {
      outbox.update(next.id, { follows: false, base: answer.mark ? answer.mark.revision : next.base });
    }
    if (answer.dispute) applyDispute(answer.dispute);
    state.refused.delete(entry.cell);
    const value = answer.mark ? answer.mark.value : entry.value;
    announce(t("announce_saved", { ...words, value: aspect ? shown(aspect, value) : String(value) }));
  } else if (answer.error === "unauthenticated") {
    state.sessionEnded = true; // kept until the expert logs in again
  } else if (answer.error === "server_error") {
    // The server could not take it just now (its log says why): kept, and sent again with
    // the same id by the timer, as when no answer came.
    renderCell(entry.cell);
    renderStatus();
    return;
  } else {
    // Refused for good: not retried. The entries made after it in this cell go too: they
    // were corrections of a value the server did not take.
    for (const other of outbox.forCell(entry.cell)) outbox.remove(other.id);
    if (answer.mark) applyMark(answer.mark);
    const kind = answer.error === "conflict" ? "conflict"
      : (answer.error === "reason_required" ? "reason" : "rejected");
    const message = answer.message || (kind === "conflict" ? t("reason_conflict") : answer.error || "");
    state.refused.set(entry.cell, { kind, message, value: entry.value, error: answer.error });
    if (answer.error === "locked" && aspect) state.locked.set(aspect.sub.code, true);
    announce(t("announce_rejected", { ...words, message }));
    if (kind === "reason" && aspect && aspect.sub.code === state.sub) {
      openPanel(entry.cell, { focus: "reason" });
    }
  }
  renderAll();
  drain();
}

// --- connection --------------------------------------------------------------------------------

let lastStatus = "";

function renderStatus() {
  const waiting = outbox ? outbox.size : 0;
  const kept = waiting ? ` · ${t("conn_waiting", { n: waiting })}` : "";
  let kind;
  let text;
  if (state.sessionEnded) [kind, text] = ["login", t("conn_login")];
  else if (!state.connected && !state.tried) [kind, text] = ["connecting", t("conn_connecting") + kept];
  else if (!state.connected) [kind, text] = ["offline", t("conn_offline") + kept];
  else if (!state.joined) [kind, text] = ["connecting", t("conn_connecting") + kept];
  else if (readOnly) [kind, text] = ["online", t("conn_online")];
  else if (state.inFlight.size) [kind, text] = ["sending", t("conn_sending", { n: state.inFlight.size })];
  else if (waiting) [kind, text] = ["waiting", t("conn_online") + kept];
  else [kind, text] = ["online", `${t("conn_online")} · ${t("conn_saved")}`];
  if (outbox && outbox.memoryOnly) text += ` · ${t("storage_failed")}`;
  setStatus(kind, text);
}

function setStatus(kind, text) {
  const node = byId("connection");
  if (`${kind}|${text}` === lastStatus) return;
  lastStatus = `${kind}|${text}`;
  node.dataset.state = kind;
  const label = node.querySelector(".connection-text");
  label.textContent = text;
  node.querySelector(".connection-login")?.remove();
  if (kind === "login") {
    const link = document.createElement("a");
    link.className = "connection-login";
    link.href = config.login_url;
    link.textContent = t("log_in");
    node.append(" ", link);
  }
}

function announce(text) {
  const node = byId("announcer");
  node.textContent = "";
  window.setTimeout(() => { node.textContent = text; }, 30);
}

async function getJson(url) {
  const response = await fetch(url, {
    headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
  });
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  if (response.status === 401) {
    state.sessionEnded = true;
    renderStatus();
  }
  if (!response.ok) throw new Error((body && body.message) || `HTTP ${response.status}`);
  return body;
}

// Catch up with every mark changed since the last complete read.
async function resync() {
  const url = state.version === null ? config.api.marks : `${config.api.marks}?since=${state.version}`;
  const answer = await getJson(url);
  for (const mark of answer.marks || []) applyMark(mark);
  if (typeof answer.version === "number") state.version = answer.version;
  renderAll();
}

function join() {
  if (!socket || !socket.connected) return;
  socket.timeout(ACK_TIMEOUT).emit("panel:join", { skill: config.ref }, async (error, answer) => {
    if (error || !answer) { window.setTimeout(join, 2000); return; }
    if (!answer.ok) {
      if (answer.error === "unauthenticated") state.sessionEnded = true;
      renderStatus();
      return;
    }
    state.sessionEnded = false;
    state.joined = true;
    for (const mark of answer.marks || []) applyMark(mark);
    applyLocks(answer.locks);
    if (Array.isArray(answer.disputes)) {
      state.disputes.clear();
      for (const dispute of answer.disputes) applyDispute({ ...dispute, open: true });
    }
    try { await resync(); } catch { /* the next pass catches up */ }
    renderAll();
    drain();
  });
}

async function connect() {
  let module;
  try {
    module = await import("../vendor/socket.io/socket.io.esm.min.js");
  } catch {
    renderStatus();
    return;
  }
  // Venue Wi-Fi: give up on a connection attempt after 8 s (not 20) and retry within 5 s.
  socket = module.io({
    transports: ["websocket"], timeout: 8000, reconnectionDelay: 1000, reconnectionDelayMax: 5000,
  });
  socket.on("connect", () => {
    state.connected = true;
    state.tried = true;
    renderStatus();
    join();
  });
  socket.on("disconnect", () => {
    state.connected = false;
    state.joined = false;
    state.inFlight.clear();
    renderAll();
  });
  socket.on("connect_error", (error) => {
    state.connected = false;
    state.tried = true;
    if (error && error.message === "unauthenticated") state.sessionEnded = true;
    renderStatus();
  });
  socket.on("marks", (event) => {
    if (!event || !Array.isArray(event.marks)) return;
    for (const mark of event.marks) applyMark(mark);
    renderAll();
  });
  socket.on("dispute", (event) => {
    if (event && event.skill && event.skill !== config.skill && event.skill !== config.ref) return;
    applyDispute(event);
    renderAll();
  });
  socket.on("lock", (event) => {
    if (!event || !event.sub_criterion) return;
    if (event.skill && event.skill !== config.skill && event.skill !== config.ref) return;
    state.locked.set(event.sub_criterion, Boolean(event.locked));
    const sub = scheme.subs.find((s) => s.code === event.sub_criterion);
    if (sub && sub.code === state.sub) {
      announce(t(event.locked ? "announce_locked" : "announce_unlocked", { sub: sub.code }));
    }
    renderAll();
  });
}

// --- setting up --------------------------------------------------------------------------------

function setup(skill) {
  state.skill = skill;
  scheme.subs = [];
  scheme.aspects.clear();
  for (const criterion of skill.criteria || []) {
    for (const sub of criterion.sub_criteria || []) {
      const entry = { code: sub.code, name: sub.name, day: sub.day, criterion: criterion.code, aspects: [] };
      state.locked.set(sub.code, Boolean(sub.locked));
      for (const aspect of sub.aspects || []) {
        const item = { ...aspect, sub: entry };
        entry.aspects.push(item);
        scheme.aspects.set(aspect.code, item);
      }
      scheme.subs.push(entry);
    }
  }
  scheme.competitors = skill.competitors || [];
  scheme.byCode = new Map(scheme.competitors.map((c) => [c.code, c]));
  const expert = (skill.experts || []).find((e) => e.code === config.expert);
  me.organization = expert ? expert.organization : null;
  me.team = new Set(String((expert && expert.marking_team) || "").split(",").map((c) => c.trim()).filter(Boolean));

  const select = byId("sub-criterion");
  select.replaceChildren(...scheme.subs.filter(inTeam).map((sub) => {
    const option = document.createElement("option");
    option.value = sub.code;
    option.textContent = sub.code;
    return option;
  }));
}

function wire() {
  const select = byId("sub-criterion");
  select.addEventListener("change", () => chooseSub(select.value));
  const step = (delta) => {
    const options = [...select.options];
    const index = options.findIndex((o) => o.value === state.sub) + delta;
    if (index >= 0 && index < options.length) chooseSub(options[index].value);
  };
  byId("sub-prev").addEventListener("click", () => step(-1));
  byId("sub-next").addEventListener("click", () => step(1));

  const grid = byId("grid");
  grid.addEventListener("click", (event) => {
    const node = event.target.closest("button.cell");
    if (!node) return;
    openPanel(cellKey(node.dataset.aspect, node.dataset.competitor));
  });
  grid.addEventListener("keydown", (event) => {
    const node = event.target.closest("button.cell");
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (!node || !moves[event.key]) return;
    const [dr, dc] = moves[event.key];
    const target = grid.querySelector(
      `button.cell[data-row="${Number(node.dataset.row) + dr}"][data-column="${Number(node.dataset.column) + dc}"]`);
    if (target) { event.preventDefault(); target.focus(); }
  });
  byId("panel-values").addEventListener("click", (event) => {
    const button = event.target.closest("button.value");
    if (button) choose(button.dataset.value);
  });
  byId("panel-withdraw").addEventListener("click", () => choose(null));
  byId("panel-close").addEventListener("click", () => closePanel());
  byId("value-panel").addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); closePanel(); return; }
    if (event.target.tagName === "TEXTAREA") return;
    const button = byId("panel-values").querySelector(`button.value[data-value="${CSS.escape(event.key)}"]`);
    if (button && /^[0-3]$/.test(event.key)) { event.preventDefault(); button.click(); }
  });

  window.addEventListener("online", () => {
    // Back on the network: try now, not after the rest of the reconnection back-off.
    if (socket && !socket.connected) {
      socket.disconnect();
      socket.connect();
    }
    drain();
  });
  window.addEventListener("offline", renderStatus);
  window.addEventListener("storage", (event) => {
    if (outbox && event.key === outbox.key) { outbox.reload(); renderAll(); }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible" || !state.joined) return;
    resync().catch(() => {}).finally(drain);
  });
  if (!readOnly) window.setInterval(drain, DRAIN_EVERY);
  window.setInterval(() => { if (state.joined) resync().catch(() => {}); }, RESYNC_EVERY);
}

async function load() {
  try {
    setup(await getJson(config.api.skill));
    await resync();
  } catch (error) {
    byId("loading").textContent = t("load_failed", { message: error.message });
    window.setTimeout(load, RETRY_LOAD);
    return;
  }
  byId("loading").hidden = true;
  byId("toolbar").hidden = false;
  byId("workspace").hidden = false;
  chooseSub(defaultSub(), { remember: false });
  connect();
}

wire();
renderStatus();
load();
