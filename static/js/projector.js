// The hall's projector: one skill's standings, or a rotation through several skills.
//
// Everything shown comes from snapshots (docs/api.md, "Boards and their snapshots"):
// `board:join {skill}` over Socket.IO, then `board:snapshot` events; and, because Socket.IO does
// not replay missed events, `GET /board/<ref>/snapshot.json` after every (re)connect and now
// and then. A broadcast may carry only the rows that changed (`results_changes`), applied to
// the snapshot held. A snapshot replaces what is shown as a whole (the new tables are built,
// then swapped in), and only if it is not older than the one shown.
//
// A projector is a public screen even when an organizer is logged in on its laptop, so it asks
// for the public view and, whatever it is sent, shows no more than the visibility allows.

import { applyChanges } from "./standings-changes.js";
import { format, pickName } from "./text.js";
const SOCKET_MODULE = "../vendor/socket.io/socket.io.esm.min.js";
const RESYNC_EVERY = 60000; // ms between two reads of the snapshots over HTTP (a safety net)
const ANNOUNCE_EVERY = 30000; // ms: "standings updated" is said at most this often
const FLIP_MS = 600; // a row that changed place glides there in this time
const SCROLL_SPEED = 40; // px a second while the standings scroll
const SCROLL_PAUSE = 4000; // ms at the top and at the bottom of the standings
const PAGE_PAUSE = 8000; // ms per screenful when motion is reduced (jumps, no scrolling)
const USER_PAUSE = 15000; // ms the scrolling waits after someone scrolled by hand
const LONGEST_TURN = 300000; // ms: a rotation moves on after this even mid-scroll
const SVG = "http://www.w3.org/2000/svg";

const data = JSON.parse(document.getElementById("projector-data").textContent);
const config = data.config;
const strings = data.strings;
const lang = document.documentElement.lang || "ru";
const byId = (id) => document.getElementById(id);
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

const skills = config.skills || [];
const byRef = new Map(skills.map((entry) => [entry.ref, entry]));
const snapshots = new Map(); // ref -> the snapshot shown (or to show when its turn comes)
const view = { index: 0, ref: null, rendered: null }; // the skill on screen and its snapshot

const t = (key, values = {}) => format(strings[key] || key, values);

const pick = (names) => pickName(names, lang);

const timeOfDay = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
const hourMinute = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const integer = new Intl.NumberFormat(lang);

function when(text, format) {
  const moment = text ? new Date(text) : null;
  return moment && !Number.isNaN(moment.getTime()) ? format.format(moment) : null;
}

const LONG_NAME = 28; // characters: a longer name is set smaller, on up to two lines

function node(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined && text !== null) element.textContent = text;
  return element;
}

// --- medals (drawn, so that no medal depends on an emoji font; the word is always beside it) ---

const MEDAL_SHAPES = {
  gold: '<path d="M8 2h8l-2 6h-4z"/><circle cx="12" cy="15" r="7"/>',
  silver: '<path d="M8 2h8l-2 6h-4z"/><circle cx="12" cy="15" r="7"/>',
  bronze: '<path d="M8 2h8l-2 6h-4z"/><circle cx="12" cy="15" r="7"/>',
  medallion: '<path d="M12 2.5l2.6 5.6 6.1.7-4.5 4.2 1.2 6-5.4-3-5.4 3 1.2-6L3.3 8.8l6.1-.7z"/>',
};

function medal(kind) {
  const cell = node("span", `medal medal-${kind}`);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.innerHTML = MEDAL_SHAPES[kind] || ""; // constant markup, never data
  cell.append(svg, node("span", "medal-name", t(kind)));
  return cell;
}

// --- what may be shown ---------------------------------------------------------------------------

// Whatever the server sends (a staff cookie shows more), a projector shows the public's share.
function publicGroups(snapshot) {
  if (!snapshot.results || !["live", "frozen", "published"].includes(snapshot.visibility)) return null;
  return snapshot.results.groups || [];
}

function competitorOf(snapshot, code) {
  return (snapshot.competitors && snapshot.competitors[code]) || {};
}

function categoryName(category) {
  if (category === null || category === undefined || category === "") return t("category_none");
  const key = `category_${category}`;
  return strings[key] || category;
}

// --- building the standings (whole tables, swapped in at once) -----------------------------------

function buildTables(snapshot, entry) {
  const groups = publicGroups(snapshot);
  if (groups === null) return null;
  const skillName = pick(snapshot.name) || entry.name;
  const medals = snapshot.visibility === "published" && !snapshot.under_appeal
    && groups.some((group) => group.results.some((r) => r.medal));
  const several = groups.length > 1;
  const tables = [];
  for (const group of groups) {
    const section = node("section", "group");
    const table = node("table", "standings-table");
    const caption = node("caption", "visually-hidden", several
      ? t("caption_group", { skill: skillName, category: categoryName(group.category) })
      : t("caption", { skill: skillName }));
    table.append(caption);
    const head = node("thead");
    const headRow = node("tr");
    const columns = [["rank", "rank"], ...(medals ? [["medal", "medal-column"]] : []),
      ["competitor", "name"], ["organization", "organization"], ["score", "score"]];
    for (const [key, className] of columns) {
      const th = node("th", className, t(key));
      th.scope = "col";
      headRow.append(th);
    }
    head.append(headRow);
    const body = node("tbody");
    for (const result of group.results) {
      const who = competitorOf(snapshot, result.competitor);
      const row = node("tr");
      row.dataset.competitor = result.competitor;
      if (result.status && result.status !== "active") row.classList.add(`status-${result.status}`);
      const ranked = result.rank !== null && result.rank !== undefined;
      row.append(node("td", "rank", ranked ? integer.format(result.rank) : "–"));
      if (medals) {
        const cell = node("td", "medal-column");
        if (result.medal) {
          cell.append(medal(result.medal));
          row.classList.add(`has-medal`, `medal-row-${result.medal}`);
        }
        row.append(cell);
      }
      const shownName = pick(who.name) || result.competitor;
      const name = node("th", "name", shownName);
      if (shownName.length > LONG_NAME) name.classList.add("long"); // smaller type, two lines
      name.scope = "row";
      if (!ranked && strings[result.status]) { // a guest or a withdrawn competitor: not ranked
        name.append(" ", node("span", "status-label", strings[result.status]));
      }
      row.append(name);
      row.append(node("td", "organization", pick(who.organization_name) || who.organization || ""));
      row.append(node("td", "score", result.score ?? "–"));
      body.append(row);
    }
    if (!group.results.length) {
      const row = node("tr");
      const cell = node("td", "empty", t("no_competitors"));
      cell.colSpan = columns.length;
      row.append(cell);
      body.append(row);
    }
    table.append(head, body);
    if (several) {
      const title = node("p", "group-title", categoryName(group.category));
      title.setAttribute("aria-hidden", "true"); // the table's caption says it
      section.append(title);
    }
    section.append(table);
    tables.push(section);
  }
  return tables;
}

function rowsOf(container) {
  const rows = new Map();
  for (const row of container.querySelectorAll("tr[data-competitor]")) rows.set(row.dataset.competitor, row);
  return rows;
}

// FLIP: note where each row was, swap the tables, then let every moved row glide from its old
// place to its new one (transforms only).
function swapStandings(container, tables, animate) {
  const before = new Map();
  const scores = new Map();
  for (const [code, row] of rowsOf(container)) {
    before.set(code, row.getBoundingClientRect().top);
    scores.set(code, row.querySelector(".score").textContent);
  }
  container.replaceChildren(...tables);
  if (!animate) return false;
  let changed = false;
  for (const [code, row] of rowsOf(container)) {
    if (!scores.has(code)) { changed = true; continue; }
    if (scores.get(code) !== row.querySelector(".score").textContent) {
      changed = true;
      row.classList.add("score-changed");
    }
    const dy = before.get(code) - row.getBoundingClientRect().top;
    if (Math.abs(dy) < 1) continue;
    changed = true;
    row.classList.add("moved");
    if (!reducedMotion.matches && row.animate) {
      row.animate([{ transform: `translateY(${dy}px)` }, { transform: "translateY(0)" }],
        { duration: FLIP_MS, easing: "cubic-bezier(.2,.7,.2,1)" });
    }
  }
  return changed;
}

// --- rendering one snapshot -----------------------------------------------------------------------

function stateLine(snapshot) {
  if (snapshot.under_appeal && snapshot.visibility !== "hidden") return t("state_appeal");
  switch (snapshot.visibility) {
    case "progress": return t("state_progress");
    case "live": return t("state_live");
    case "frozen": {
      const at = when(snapshot.frozen_at, hourMinute);
      return at ? t("state_frozen", { time: at }) : t("state_frozen_plain");
    }
    case "published": return t("state_published");
    default: return t("state_hidden");
  }
}

// "Last updated HH:MM:SS": the time of the snapshot (of its arrival, if it does not say).
function showClock(snapshot) {
  const hidden = snapshot.visibility === "hidden" || !snapshot.visibility;
  const updated = when(snapshot.updated_at, timeOfDay)
    || (snapshot.received ? timeOfDay.format(snapshot.received) : null);
  byId("updated").textContent = !hidden && updated ? t("updated", { time: updated }) : "";
}

function render(entry, snapshot) {
  const sameSkill = view.ref === entry.ref && view.rendered !== null;
  byId("skill-name").textContent = pick(snapshot && snapshot.name) || entry.name;
  byId("championship").textContent = entry.championship;
  const state = byId("state");
  const progress = byId("progress");
  const note = byId("hidden-note");
  const standings = byId("standings");
  if (!snapshot) { // its turn came before its first snapshot
    state.textContent = t("loading");
    state.dataset.visibility = "";
    byId("updated").textContent = "";
    progress.hidden = true;
    note.hidden = true;
    standings.replaceChildren();
    view.ref = entry.ref;
    view.rendered = null;
    return;
  }
  const hidden = snapshot.visibility === "hidden" || !snapshot.visibility;
  state.textContent = hidden ? "" : stateLine(snapshot);
  state.dataset.visibility = snapshot.visibility || "hidden";
  note.hidden = !hidden;
  note.textContent = hidden ? t("state_hidden") : "";
  showClock(snapshot);

  // How far marking has come ("62% marked"), while the results are not final: not once
  // published (unless under appeal), never for a hidden skill (its snapshot has no counts).
  const counts = snapshot.progress;
  const final = snapshot.visibility === "published" && !snapshot.under_appeal;
  const showProgress = ["progress", "live", "frozen"].includes(snapshot.visibility) && !final
    && counts && counts.expected > 0;
  progress.hidden = !showProgress;
  if (showProgress) {
    const share = Math.max(0, Math.min(1, counts.marked / counts.expected));
    const percent = Number.isInteger(counts.percent) ? counts.percent : Math.floor(share * 100);
    byId("progress-fill").style.width = `${(share * 100).toFixed(1)}%`;
    const bar = byId("progress-bar");
    bar.setAttribute("aria-valuenow", String(percent));
    const text = `${t("marked_share", { percent: integer.format(percent) })} · `
      + t("progress", { marked: integer.format(counts.marked), expected: integer.format(counts.expected) });
    bar.setAttribute("aria-valuetext", text);
    byId("progress-text").textContent = text;
  }

  const tables = hidden ? null : buildTables(snapshot, entry);
  const changed = swapStandings(standings, tables || [], sameSkill);
  standings.hidden = tables === null;
  if (sameSkill && changed) standingsChanged();
  view.ref = entry.ref;
  view.rendered = snapshot;
  scroller.contentChanged();
}

// --- accepting snapshots ----------------------------------------------------------------------------

function accept(ref, snapshot) {
  if (!snapshot || typeof snapshot !== "object") return;
  const entry = byRef.get(snapshot.skill || ref);
  if (!entry) return;
  const shown = snapshots.get(entry.ref);
  if ("results_changes" in snapshot) {
    // The rows that changed since the version we hold (`base`): applied to ours, or, if we
    // hold another version, the whole snapshot is read (unless ours is already newer).
    const changes = snapshot.results_changes;
    delete snapshot.results_changes;
    if (shown && shown.version >= snapshot.version && shown.visibility === snapshot.visibility) return;
    const results = shown && shown.version === changes.base ? applyChanges(shown.results, changes) : null;
    if (!results) {
      fetchSnapshot(entry);
      return;
    }
    snapshot.results = results;
  }
  if (!("competitors" in snapshot) && snapshot.visibility !== "hidden") {
    // A broadcast leaves out the names it sent before (same `meta`): keep ours, or read all.
    if (!shown || !shown.competitors || shown.meta !== snapshot.meta) {
      fetchSnapshot(entry);
      return;
    }
    snapshot.competitors = shown.competitors;
    snapshot.criteria = shown.criteria;
  }
  const onScreen = skills[view.index] && skills[view.index].ref === entry.ref;
  snapshot.received = new Date();
  if (shown) {
    const older = typeof snapshot.version === "number" && typeof shown.version === "number"
      && snapshot.version < shown.version;
    if (older && snapshot.visibility === shown.visibility) return;
    if (!older && snapshot.version === shown.version && snapshot.visibility === shown.visibility
        && snapshot.frozen_at === shown.frozen_at
        && JSON.stringify(snapshot.results) === JSON.stringify(shown.results)
        && JSON.stringify(snapshot.progress) === JSON.stringify(shown.progress)) {
      // The same standings, read again (a resync): only the clock moves.
      shown.updated_at = snapshot.updated_at;
      shown.received = snapshot.received;
      if (onScreen) showClock(shown);
      return;
    }
  }
  snapshots.set(entry.ref, snapshot);
  if (onScreen) render(entry, snapshot);
}

async function fetchSnapshot(entry) {
  const url = `${entry.snapshot}${entry.snapshot.includes("?") ? "&" : "?"}view=public`;
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" });
    if (!response.ok) return;
    accept(entry.ref, await response.json());
  } catch {
    // offline or the server restarting: the socket's reconnection brings the next read
  }
}

function resyncAll() {
  for (const entry of skills) fetchSnapshot(entry);
}

// --- "standings updated", at most every 30 s ---------------------------------------------------------

const announcer = { last: 0, timer: null };

function standingsChanged() {
  if (announcer.timer !== null) return;
  const wait = announcer.last + ANNOUNCE_EVERY - Date.now();
  announcer.timer = window.setTimeout(() => {
    announcer.timer = null;
    announcer.last = Date.now();
    const region = byId("announcer");
    region.textContent = "";
    window.setTimeout(() => { region.textContent = t("standings_updated"); }, 100);
  }, Math.max(0, wait));
}

// --- the standings scroll by themselves when they do not fit ------------------------------------------

const scroller = {
  element: null,
  phase: "top", // top (pausing) | down | bottom (pausing)
  since: 0,
  position: 0,
  cycles: 0, // complete passes (top to bottom and back) since the last reset
  userUntil: 0,
  last: 0,

  start(element) {
    this.element = element;
    const byHand = () => { this.userUntil = performance.now() + USER_PAUSE; };
    element.addEventListener("wheel", byHand, { passive: true });
    element.addEventListener("touchstart", byHand, { passive: true });
    element.addEventListener("keydown", byHand);
    element.addEventListener("focus", byHand);
    this.reset();
    window.requestAnimationFrame((now) => this.tick(now));
  },

  reset() {
    this.phase = "top";
    this.since = performance.now();
    this.position = 0;
    this.cycles = 0;
    if (this.element) this.element.scrollTop = 0;
  },

  contentChanged() {
    if (!this.element) return;
    const room = this.room();
    if (this.position > room) this.position = room;
  },

  room() {
    return Math.max(0, this.element.scrollHeight - this.element.clientHeight);
  },

  fits() {
    return this.room() < 2;
  },

  tick(now) {
    const elapsed = now - this.since;
    const step = this.last ? Math.min(100, now - this.last) : 0;
    this.last = now;
    const room = this.room();
    if (room < 2) {
      this.phase = "top";
      this.since = now;
      this.position = 0;
    } else if (now < this.userUntil) {
      this.position = this.element.scrollTop; // someone scrolls by hand: follow, do not fight
      this.since = now;
    } else if (reducedMotion.matches) {
      this.page(now, elapsed, room);
    } else if (this.phase === "top") {
      if (elapsed >= SCROLL_PAUSE) { this.phase = "down"; this.since = now; }
    } else if (this.phase === "down") {
      this.position = Math.min(room, this.position + (SCROLL_SPEED * step) / 1000);
      this.element.scrollTop = this.position;
      if (this.position >= room) { this.phase = "bottom"; this.since = now; }
    } else if (elapsed >= SCROLL_PAUSE) {
      this.phase = "top";
      this.since = now;
      this.position = 0;
      this.element.scrollTop = 0;
      this.cycles += 1;
    }
    window.requestAnimationFrame((next) => this.tick(next));
  },

  // Reduced motion: a screenful at a time, no movement in between.
  page(now, elapsed, room) {
    if (elapsed < PAGE_PAUSE) return;
    this.since = now;
    if (this.position >= room) {
      this.position = 0;
      this.cycles += 1;
    } else {
      this.position = Math.min(room, this.position + this.element.clientHeight * 0.9);
    }
    this.element.scrollTop = this.position;
  },
};

// --- rotation through skills ---------------------------------------------------------------------------

const rotation = { since: 0 };

function show(index) {
  view.index = index;
  view.rendered = null;
  const entry = skills[index];
  const main = byId("main");
  main.classList.remove("entering");
  void main.offsetWidth; // restart the fade-in
  main.classList.add("entering");
  scroller.reset();
  render(entry, snapshots.get(entry.ref));
  if (skills.length > 1 && byId("rotation-position")) {
    byId("rotation-position").textContent = t("rotation_position", { index: index + 1, count: skills.length });
  }
  rotation.since = performance.now();
}

function nextIndex() {
  // Skills hidden meanwhile are skipped while any other has something to show.
  for (let step = 1; step <= skills.length; step += 1) {
    const index = (view.index + step) % skills.length;
    const snapshot = snapshots.get(skills[index].ref);
    if (!snapshot || snapshot.visibility !== "hidden") return index;
  }
  return (view.index + 1) % skills.length;
}

function rotate() {
  if (skills.length < 2 || !config.every) return;
  const elapsed = performance.now() - rotation.since;
  const seen = scroller.fits() || scroller.cycles >= 1; // every row has been on screen
  if ((elapsed >= config.every * 1000 && seen) || elapsed >= LONGEST_TURN) show(nextIndex());
}

// --- the connection ------------------------------------------------------------------------------------

let socket = null;

function setConnected(connected) {
  const badge = byId("connection");
  const text = connected ? "" : t("reconnecting");
  if (badge.textContent !== text) badge.textContent = text;
  document.body.classList.toggle("offline", !connected);
}

function join(entry) {
  // The snapshot follows as a `board:snapshot` event; a lost answer is caught up by the read
  // over HTTP that goes with every connect, and by the periodic one.
  socket.emit("board:join", { skill: entry.ref, view: "public", changes: true });
}

async function connect() {
  let module;
  try {
    module = await import(SOCKET_MODULE);
  } catch {
    setConnected(false);
    window.setTimeout(connect, 5000);
    return;
  }
  // The server may restart: Socket.IO keeps trying, at least every 5 s.
  socket = module.io({
    transports: ["websocket"], timeout: 8000, reconnectionDelay: 1000, reconnectionDelayMax: 5000,
  });
  socket.on("connect", () => {
    setConnected(true);
    for (const entry of skills) {
      join(entry);
      fetchSnapshot(entry);
    }
  });
  socket.on("disconnect", (reason) => {
    setConnected(false);
    if (reason === "io server disconnect") socket.connect(); // not retried on its own
  });
  socket.on("connect_error", () => setConnected(false));
  socket.on("board:snapshot", (snapshot) => accept(snapshot && snapshot.skill, snapshot));
}

function start() {
  scroller.start(byId("standings"));
  if (!skills.length) return;
  show(0);
  connect();
  window.setInterval(() => { if (socket && socket.connected) resyncAll(); }, RESYNC_EVERY);
  window.setInterval(rotate, 500);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && socket && socket.connected) resyncAll();
  });
}

start();
