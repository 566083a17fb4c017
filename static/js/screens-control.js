// The organizers' control of the hall's screens.
//
// The page works without this script: every choice is a form that posts and comes back. With
// it, "Next" and "Back" of a ceremony post in the background (one click, one step, the focus
// stays on the button) and the page follows every screen live: it joins each screen's room like
// the screen itself (`screen:join`, `screen:show`) and says what each one shows now, whoever
// changed it.

import { format, pickName } from "./text.js";
const SOCKET_MODULE = "../vendor/socket.io/socket.io.esm.min.js";

const root = document.getElementById("screens-control");
const strings = JSON.parse(document.getElementById("screens-strings")?.textContent || "{}");
const status = document.getElementById("control-status");
const news = document.getElementById("control-news");
const lang = document.documentElement.lang || "ru";

const t = format;

const pick = (names) => pickName(names, lang);

function announce(text) {
  // Cleared first so that the same words said twice are announced twice.
  news.textContent = "";
  window.setTimeout(() => { news.textContent = text; }, 50);
}

// The same words as the server's describe() (competition/board/screens/wording.py).
function describe(state) {
  if (!state || state.deleted) return strings.now_deleted;
  if (state.mode === "skill" && state.skill) {
    return t(strings.now_skill, { name: `${state.skill.code} ${pick(state.skill.name)}` });
  }
  if (state.mode === "rotation" && state.rotation && state.rotation.skills.length) {
    return t(strings.now_rotation, {
      seconds: state.rotation.seconds,
      names: state.rotation.skills.map((item) => item.code).join(", "),
    });
  }
  if (state.mode === "medals") return strings.now_medals;
  if (state.mode === "message" && Object.values(state.message || {}).some((text) => text)) {
    return t(strings.now_message, { text: pick(state.message) });
  }
  if (state.mode === "ceremony" && state.ceremony && state.ceremony.skill) {
    return t(strings.now_ceremony, {
      name: pick(state.ceremony.name), step: state.ceremony.step, total: state.ceremony.total,
    });
  }
  return strings.now_nothing;
}

function panelOf(key) {
  return root.querySelector(`.screen-panel[data-screen="${CSS.escape(key)}"]`);
}

const versions = new Map(); // screen key -> version shown

function showState(state) {
  if (!state || !state.screen) return;
  const panel = panelOf(state.screen);
  if (!panel) return;
  if (!state.deleted && (versions.get(state.screen) ?? -1) > state.version) return;
  if (!state.deleted) versions.set(state.screen, state.version);
  const now = panel.querySelector("[data-now]");
  if (now) now.textContent = describe(state);
  const ceremony = panel.querySelector("[data-ceremony]");
  if (ceremony && state.ceremony) {
    ceremony.querySelector("[data-step]").textContent = t(strings.revealed, {
      step: state.ceremony.step, total: state.ceremony.total });
  }
}

function showControl(panel, control) {
  const ceremony = panel.querySelector("[data-ceremony]");
  if (!ceremony || !control) return;
  ceremony.querySelector("[data-step]").textContent = t(strings.revealed, control);
  ceremony.querySelector("[data-last]").textContent = control.last_text || strings.none;
  ceremony.querySelector("[data-next]").textContent = control.next_text
    || strings.everything_revealed;
}

// --- Next and Back, in the background ----------------------------------------------------------

async function step(form, button) {
  if (button.getAttribute("aria-busy") === "true") return; // one click, one step
  button.setAttribute("aria-busy", "true");
  const panel = form.closest(".screen-panel");
  try {
    const response = await fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const answer = await response.json().catch(() => null);
    if (!answer) throw new Error("no answer");
    if (!answer.ok) {
      announce(answer.message || strings.failed);
      return;
    }
    showState(answer.state);
    showControl(panel, answer.control);
    announce(answer.control && answer.control.last_text
      ? `${answer.message} ${answer.control.last_text}` : answer.message);
  } catch {
    announce(strings.failed);
  } finally {
    button.removeAttribute("aria-busy");
  }
}

for (const form of root.querySelectorAll("form[data-step-form]")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const button = event.submitter || form.querySelector("button");
    step(form, button);
  });
}

// --- following the screens ---------------------------------------------------------------------

function setLive(live) {
  if (!status) return; // no screens: nothing to follow
  status.textContent = live ? strings.live : strings.offline;
  status.classList.toggle("live", live);
}

async function connect() {
  const keys = [...root.querySelectorAll(".screen-panel[data-screen]")]
    .map((panel) => panel.dataset.screen);
  if (!keys.length) return;
  let module;
  try {
    module = await import(SOCKET_MODULE);
  } catch {
    return; // the page stays as rendered; the status says so
  }
  const socket = module.io({ transports: ["websocket"] });
  socket.on("connect", () => {
    setLive(true);
    for (const key of keys) {
      socket.emit("screen:join", { screen: key }, (answer) => {
        if (answer && answer.ok) showState(answer.state);
      });
    }
  });
  socket.on("disconnect", () => setLive(false));
  socket.on("screen:show", showState);
}

connect();
