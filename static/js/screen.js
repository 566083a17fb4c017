// A hall screen: shows what the organizers switch it to, live.
//
// The state (competition/board/screens/state.py, screen_state) comes with the page, in the answer to
// `screen:join {screen}` after every (re)connect, and in `screen:show` events. A state replaces
// what is shown, unless it is older (`version`) than the one shown. Pages of the board
// (projector, rotation, medal table) are shown in a frame: the next one loads in a hidden
// frame and takes the place of the shown one once loaded, so the screen never goes blank.
// A message and a ceremony are drawn here. When the server restarts, Socket.IO reconnects,
// joins again and the answer's state is shown; a frame that failed to load is loaded again.

import { format, pickName } from "./text.js";
const SOCKET_MODULE = "../vendor/socket.io/socket.io.esm.min.js";
const JOIN_TIMEOUT = 5000; // ms to wait for the answer to `screen:join` before asking again
const RETRY_FRAME = 5000; // ms before loading again a frame that failed (the server was away)
const CURSOR_HIDES = 3000; // ms without moving the mouse before the pointer hides

const data = JSON.parse(document.getElementById("screen-data").textContent);
const strings = data.strings;
const key = data.key;
const lang = document.documentElement.lang || "ru";
const byId = (id) => document.getElementById(id);

let shown = null; // the state on screen
let socket = null;

const t = format;

const pick = (names) => pickName(names, lang);

function node(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined && text !== null) element.textContent = text;
  return element;
}

// --- the parts of the stage --------------------------------------------------------------------

const parts = { message: byId("message"), ceremony: byId("ceremony"), idle: byId("idle") };

function showPart(name) {
  for (const [partName, element] of Object.entries(parts)) element.hidden = partName !== name;
  if (name !== "frame") frames.clear();
}

// --- frames: pages of the board -----------------------------------------------------------------

const frames = {
  front: byId("frame-a"),
  back: byId("frame-b"),
  wanted: null, // the address the screen should show
  retry: null,

  address(url) {
    const address = new URL(url, window.location.href);
    address.searchParams.set("lang", lang); // the frame speaks the screen's language
    return address.pathname + address.search;
  },

  loaded(frame) {
    // A page of this server is readable; a browser's error page (server away) is not.
    try {
      const doc = frame.contentDocument;
      return Boolean(doc) && doc.location.href !== "about:blank";
    } catch {
      return false;
    }
  },

  show(url, title) {
    const address = this.address(url);
    for (const part of Object.values(parts)) part.hidden = true;
    this.front.title = title;
    this.back.title = title;
    if (this.wanted === address && !this.front.hidden && this.loaded(this.front)) return;
    this.wanted = address;
    this.load(address);
  },

  load(address) {
    window.clearTimeout(this.retry);
    const next = this.back;
    next.onload = () => {
      if (this.wanted !== address) return; // another choice came meanwhile
      if (!this.loaded(next)) {
        this.retry = window.setTimeout(() => { if (this.wanted === address) this.load(address); },
          RETRY_FRAME);
        return;
      }
      const old = this.front;
      next.classList.remove("loading");
      next.removeAttribute("aria-hidden");
      next.hidden = false;
      old.hidden = true;
      old.onload = null;
      old.src = "about:blank"; // its socket and timers stop
      this.front = next;
      this.back = old;
    };
    next.classList.add("loading"); // laid out (the page measures itself) but not seen
    next.setAttribute("aria-hidden", "true");
    next.hidden = false;
    next.src = address;
  },

  reloadIfBroken() {
    if (this.wanted && !this.loaded(this.front) && this.back.hidden) this.load(this.wanted);
  },

  clear() {
    window.clearTimeout(this.retry);
    this.wanted = null;
    for (const frame of [this.front, this.back]) {
      frame.onload = null;
      frame.hidden = true;
      if (frame.getAttribute("src") && frame.getAttribute("src") !== "about:blank") {
        frame.src = "about:blank";
      }
    }
  },
};

// --- what is drawn here -------------------------------------------------------------------------

function showIdle(state, note = "") {
  showPart("idle");
  byId("idle-championship").textContent = state ? pick(state.championship?.name) : "";
  byId("idle-name").textContent = state ? t(strings.this_screen, { name: state.name }) : "";
  byId("idle-note").textContent = note;
}

function showMessage(state) {
  const texts = state.message || {};
  const order = [lang, ...["kk", "ru", "en"].filter((code) => code !== lang)];
  const paragraphs = order.filter((code) => (texts[code] || "").trim()).map((code, index) => {
    const paragraph = node("p", index === 0 ? "text first" : "text", texts[code]);
    paragraph.lang = code;
    return paragraph;
  });
  if (!paragraphs.length) {
    showIdle(state);
    return;
  }
  showPart("message");
  parts.message.replaceChildren(...paragraphs);
}

function medalName(medal) {
  return medal ? (strings.medals[medal] || medal) : "";
}

function category(entry) {
  if (!entry.category) return "";
  return strings.categories[entry.category] || entry.category;
}

function entryCard(entry, className) {
  const card = node(className === "spotlight-card" ? "div" : "li", className);
  if (entry.medal) card.classList.add(`medal-${entry.medal}`);
  const head = node("p", "place");
  head.append(node("span", "rank", t(strings.place, { rank: entry.rank })));
  if (entry.medal) head.append(node("span", "medal", medalName(entry.medal)));
  if (entry.category) head.append(node("span", "category", category(entry)));
  card.append(head);
  card.append(node("p", "name", pick(entry.name) || entry.competitor));
  const organization = pick(entry.organization_name) || entry.organization || "";
  if (organization) card.append(node("p", "organization", organization));
  const score = node("p", "score");
  score.append(node("span", "visually-hidden", `${strings.score}: `), entry.score);
  card.append(score);
  return card;
}

function showCeremony(state) {
  const ceremony = state.ceremony || {};
  showPart("ceremony");
  byId("ceremony-title").textContent = pick(ceremony.name);
  byId("ceremony-order").textContent = ceremony.order === "medal"
    ? strings.order_medal : strings.order_rank;
  const spotlight = byId("spotlight");
  const list = byId("revealed");
  const entries = ceremony.entries || [];
  if (!ceremony.published) {
    spotlight.replaceChildren(node("p", "note", strings.not_published));
    list.replaceChildren();
    return;
  }
  if (!entries.length) {
    spotlight.replaceChildren(node("p", "note",
      ceremony.total ? strings.soon : strings.nothing_to_reveal));
    list.replaceChildren();
    return;
  }
  const latest = entries[entries.length - 1];
  spotlight.replaceChildren(entryCard(latest, "spotlight-card"));
  // Everything revealed before, category by category in the order of the ceremony, best
  // place first (a ceremony from the last place up fills the list from its bottom).
  const groups = [...new Set(entries.map((entry) => entry.category ?? ""))];
  const group = (entry) => groups.indexOf(entry.category ?? "");
  const earlier = entries.slice(0, -1).map((entry, index) => ({ entry, index }));
  earlier.sort((a, b) => (group(a.entry) - group(b.entry)) || (a.entry.rank - b.entry.rank)
    || (b.index - a.index));
  list.replaceChildren(...earlier.map(({ entry }) => entryCard(entry, "revealed-entry")));
}

function apply(state) {
  if (!state) return;
  if (state.deleted) {
    shown = state;
    showIdle(null, strings.deleted);
    return;
  }
  if (shown && !shown.deleted && typeof shown.version === "number"
      && state.version < shown.version) return; // an older state arrived late
  if (shown && JSON.stringify(shown) === JSON.stringify(state)) return; // a re-join: as shown
  shown = state;
  document.title = `${state.name} · ${pick(state.championship?.name)}`;
  const mode = state.mode;
  if (mode === "skill" && state.skill) {
    frames.show(state.skill.url, t(strings.frame_skill, { name: pick(state.skill.name) }));
  } else if (mode === "rotation" && state.rotation && state.rotation.skills.length) {
    frames.show(state.rotation.url, strings.frame_rotation);
  } else if (mode === "medals" && state.medals) {
    frames.show(state.medals.url, strings.frame_medals);
  } else if (mode === "message") {
    showMessage(state);
  } else if (mode === "ceremony") {
    showCeremony(state);
  } else {
    showIdle(state);
  }
}

// --- the socket ---------------------------------------------------------------------------------

const connection = byId("connection");

function setConnected(connected) {
  connection.textContent = connected ? "" : strings.reconnecting;
  connection.classList.toggle("offline", !connected);
}

function join() {
  if (!socket || !socket.connected) return;
  socket.timeout(JOIN_TIMEOUT).emit("screen:join", { screen: key }, (error, answer) => {
    if (error || !answer) {
      window.setTimeout(join, 1000); // no answer: ask again while connected
      return;
    }
    if (!answer.ok) {
      if (answer.error === "unknown_screen") {
        shown = { deleted: true };
        showIdle(null, strings.unknown);
      } else {
        window.setTimeout(join, JOIN_TIMEOUT);
      }
      return;
    }
    setConnected(true);
    apply(answer.state);
    frames.reloadIfBroken();
  });
}

async function connect() {
  let module;
  try {
    module = await import(SOCKET_MODULE);
  } catch {
    setConnected(false);
    return;
  }
  socket = module.io({
    transports: ["websocket"], timeout: 8000, reconnectionDelay: 1000, reconnectionDelayMax: 5000,
  });
  socket.on("connect", join);
  socket.on("disconnect", () => setConnected(false));
  socket.on("connect_error", () => setConnected(false));
  socket.on("screen:show", apply);
}

// --- the hall PC: full screen, no pointer over the picture -----------------------------------

const fullscreen = byId("fullscreen");
fullscreen.addEventListener("click", () => {
  if (document.fullscreenElement) document.exitFullscreen?.();
  else document.documentElement.requestFullscreen?.().catch(() => {});
});

let cursorTimer = null;
function pointerMoved() {
  document.body.classList.remove("no-pointer");
  window.clearTimeout(cursorTimer);
  cursorTimer = window.setTimeout(() => document.body.classList.add("no-pointer"), CURSOR_HIDES);
}
document.addEventListener("mousemove", pointerMoved);
pointerMoved();

apply(data.state);
connect();
