// The chief expert's board: joins the skill's panel over Socket.IO and, after `marks`,
// `dispute` and `lock` events, fetches the board's numbers again (progress.json, at most once a
// second). A new dispute is listed and announced at once. Without the socket the page still
// works: it is rendered complete by the server, and a reload brings it up to date.

const root = document.getElementById("chief-board");
const strings = JSON.parse(document.getElementById("chief-strings")?.textContent || "{}");
const REFRESH_EVERY = 1000; // ms: the least time between two fetches of the numbers

function fill(template, values) {
  // The template's placeholders are {name}: the server filled them in, translated, that way.
  return (template || "").replace(/\{(\w+)\}/g, (_match, key) => String(values[key] ?? ""));
}

function count(cell) {
  return fill(strings.count, { marked: cell.marked, expected: cell.expected });
}

function setText(key, text) {
  const element = root.querySelector(`[data-cell="${CSS.escape(key)}"]`);
  if (element && element.textContent !== text) element.textContent = text;
}

function timeText(iso) {
  if (!iso) return "";
  try {
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined,
      { dateStyle: "short", timeStyle: "short" }).format(new Date(iso));
  } catch {
    return iso;
  }
}

// --- progress ----------------------------------------------------------------------------------

function sumOf(row, codes) {
  const total = { marked: 0, expected: 0 };
  for (const code of codes) {
    const cell = row[code];
    if (!cell) continue;
    total.marked += cell.marked;
    total.expected += cell.expected;
  }
  return total;
}

function showProgress(progress) {
  setText("total", count(progress));
  const subs = Object.keys(progress.sub_criteria);
  for (const [sub, cell] of Object.entries(progress.sub_criteria)) {
    setText(`sub:${sub}`, count(cell));
    const bar = root.querySelector(`[data-bar="${CSS.escape(`sub:${sub}`)}"]`);
    if (bar) {
      bar.setAttribute("max", String(cell.expected || 1));
      bar.setAttribute("value", String(cell.marked));
    }
  }
  for (const [judge, row] of Object.entries(progress.judges)) {
    for (const [sub, cell] of Object.entries(row)) {
      setText(`judge:${judge}:${sub}`, cell.expected || cell.marked ? count(cell) : "—");
    }
    // The total counts the columns the table shows (sub-criteria with judgement aspects).
    const shown = subs.filter((sub) => root.querySelector(
      `[data-cell="${CSS.escape(`judge:${judge}:${sub}`)}"]`));
    setText(`judge:${judge}:total`, count(sumOf(row, shown)));
  }
  for (const [competitor, row] of Object.entries(progress.competitors)) {
    for (const [sub, cell] of Object.entries(row)) {
      setText(`competitor:${competitor}:${sub}`, count(cell));
      const element = root.querySelector(
        `[data-cell="${CSS.escape(`competitor:${competitor}:${sub}`)}"]`);
      if (element) element.classList.toggle("done", cell.expected > 0 && cell.marked >= cell.expected);
    }
    setText(`competitor:${competitor}:total`, count(sumOf(row, subs)));
  }
}

// --- disputes ----------------------------------------------------------------------------------

const list = document.getElementById("dispute-list");
const none = document.getElementById("no-disputes");
const announcer = document.getElementById("dispute-announcer");
const disputeCount = root.querySelector('[data-count="disputes"]');
const historyUrl = root.dataset.historyUrl;

function keyOf(dispute) {
  return `${dispute.aspect}|${dispute.competitor}`;
}

function announce(text, region = announcer) {
  // Cleared first so that the same words said twice are announced twice.
  region.textContent = "";
  window.setTimeout(() => { region.textContent = text; }, 50);
}

function disputeItem(dispute) {
  const item = document.createElement("li");
  item.dataset.dispute = keyOf(dispute);
  const link = document.createElement("a");
  const url = new URL(historyUrl, window.location.href);
  url.searchParams.set("aspect", dispute.aspect);
  url.searchParams.set("competitor", dispute.competitor);
  link.href = url.pathname + url.search;
  link.textContent = fill(strings.dispute_item, dispute);
  const scores = document.createElement("span");
  scores.className = "scores";
  scores.textContent = Object.entries(dispute.scores || {})
    .map(([judge, score]) => `${judge}\u00a0${score}`).join(", ");
  item.append(link, ": ", scores);
  if (dispute.remark && dispute.remark.length) { // who must re-mark (judging/overview.py)
    const remark = document.createElement("span");
    remark.className = "remark";
    remark.textContent = fill(strings.dispute_remark, { spread: dispute.spread, judges: dispute.remark.join(", ") });
    item.append(" · ", remark);
  }
  return item;
}

function shownDisputes() {
  return new Set([...list.children].map((item) => item.dataset.dispute));
}

function updateCount() {
  disputeCount.textContent = String(list.children.length);
  none.hidden = list.children.length > 0;
}

function openDispute(dispute, speak) {
  const existing = list.querySelector(`[data-dispute="${CSS.escape(keyOf(dispute))}"]`);
  const item = disputeItem(dispute);
  if (existing) existing.replaceWith(item);
  else list.append(item);
  updateCount();
  if (speak && !existing) announce(fill(strings.dispute_new, dispute));
}

function closeDispute(dispute, speak) {
  const existing = list.querySelector(`[data-dispute="${CSS.escape(keyOf(dispute))}"]`);
  if (!existing) return;
  existing.remove();
  updateCount();
  if (speak) announce(fill(strings.dispute_closed, dispute));
}

function showDisputes(disputes) {
  const wanted = new Map(disputes.map((d) => [keyOf(d), d]));
  const before = shownDisputes();
  const fresh = [];
  for (const key of before) {
    if (!wanted.has(key)) list.querySelector(`[data-dispute="${CSS.escape(key)}"]`)?.remove();
  }
  for (const dispute of disputes) {
    if (!before.has(keyOf(dispute))) fresh.push(dispute);
    openDispute(dispute, false);
  }
  // The list in the server's order: by aspect, then competitor.
  for (const dispute of disputes) {
    const item = list.querySelector(`[data-dispute="${CSS.escape(keyOf(dispute))}"]`);
    if (item) list.append(item);
  }
  updateCount();
  if (fresh.length) announce(fresh.map((d) => fill(strings.dispute_new, d)).join(" "));
}

// --- locks -------------------------------------------------------------------------------------

function showLock(sub, lock) {
  const row = root.querySelector(`tr[data-sub="${CSS.escape(sub)}"]`);
  if (!row) return;
  const wasLocked = row.classList.contains("locked");
  row.classList.toggle("locked", lock.locked);
  const signForm = row.querySelector('[data-form="sign-off"]');
  const unlockForm = row.querySelector('[data-form="unlock"]');
  if (signForm) signForm.hidden = lock.locked;
  if (unlockForm) unlockForm.hidden = !lock.locked;
  if (wasLocked === lock.locked) return;
  const cell = row.querySelector(`[data-lock="${CSS.escape(sub)}"]`);
  if (!cell) return;
  const state = document.createElement(lock.locked ? "strong" : "span");
  state.textContent = lock.locked ? strings.locked : strings.open;
  const detail = document.createElement("span");
  detail.className = "lock-detail";
  detail.textContent = fill(lock.locked ? strings.locked_by : strings.unlocked_by,
    { who: lock.by || "—", time: timeText(lock.at), reason: lock.reason || "" });
  cell.replaceChildren(state, " ", detail);
}

function showLocks(locks) {
  for (const [sub, lock] of Object.entries(locks)) showLock(sub, lock);
}

// --- fetching the numbers ----------------------------------------------------------------------

let lastFetch = 0;
let timer = null;
let fetching = false;

async function refresh() {
  timer = null;
  if (fetching) { schedule(); return; }
  fetching = true;
  lastFetch = Date.now();
  try {
    const response = await fetch(root.dataset.progressUrl, {
      headers: { Accept: "application/json" }, credentials: "same-origin",
    });
    if (response.ok) {
      const numbers = await response.json();
      showProgress(numbers.progress);
      showDisputes(numbers.disputes);
      showLocks(numbers.locks);
    }
  } catch {
    // Offline for a moment: the next event or the reconnect fetches again.
  } finally {
    fetching = false;
  }
}

function schedule() {
  if (timer !== null) return;
  const wait = Math.max(0, REFRESH_EVERY - (Date.now() - lastFetch));
  timer = window.setTimeout(refresh, wait);
}

// --- the socket --------------------------------------------------------------------------------

const status = document.getElementById("live-status");

async function connect() {
  let module;
  try {
    module = await import("../vendor/socket.io/socket.io.esm.min.js");
  } catch {
    return; // the page stays as rendered; the status says so
  }
  const socket = module.io({ transports: ["websocket"] });
  socket.on("connect", () => {
    socket.emit("panel:join", { skill: root.dataset.skill }, (answer) => {
      if (answer && answer.ok) {
        status.textContent = strings.live;
        status.classList.remove("offline");
        schedule(); // what changed while the page was loading or the socket was away
      } else {
        status.textContent = strings.off;
      }
    });
  });
  socket.on("disconnect", () => {
    status.textContent = strings.offline;
    status.classList.add("offline");
  });
  socket.on("marks", () => schedule());
  // The signed paper kept after a sign-off (signed-forms.js shows it).
  socket.on("forms:printed", (event) => {
    document.dispatchEvent(new CustomEvent("forms-printed", { detail: event || {} }));
  });
  socket.on("dispute", (event) => {
    if (!event) return;
    if (event.open) openDispute(event, true);
    else closeDispute(event, true);
    schedule();
  });
  socket.on("lock", (event) => {
    if (!event || !event.sub_criterion) return;
    showLock(event.sub_criterion, event);
    // Politely: a lock is news, a dispute (above) is an alert.
    announce(fill(event.locked ? strings.lock_news : strings.unlock_news,
      { code: event.sub_criterion, who: event.by || "—" }), document.getElementById("board-news"));
    schedule();
  });
}

if (root) connect();
