// The expert's tablet: a grid of competitors × the aspects of one sub-criterion, a value panel
// (0–3 with the descriptors for a judgement, the allowed marks for a measurement), and an
// outbox that keeps every mark on the tablet until the server has answered it.
//
// Data: GET /api/v1/skills/<ref> (scheme, competitors, experts) and …/marks?since=V; live:
// Socket.IO `panel:join`, events `marks`, `dispute`, `lock`; marks go out as `mark:submit`
// with an acknowledgement (docs/api.md). Socket.IO does not replay missed events, so every
// (re)connection is followed by a resync over HTTP from the last version seen.
//
// This module only wires the parts together (static/js/tablet/):
//   store.js   the state (scheme, marks, locks, disputes, refusals) and the rules over it
//   sync.js    the protocol: outbox, mark:submit with acks, settle, join and resync (no DOM)
//   grid.js    the grid, the progress, the sub-criterion picker
//   panel.js   the value panel
//   kinds.js   how the panel asks for a deduction, levels or yes/no mark (aspect kinds)
//   status.js  the connection line and the announcer
//   jump.js    the competitor search above the grid
//   dom.js     icons and text spans
// store.js, sync.js and kinds.js have unit tests under node --test in tests/js/ (`make test-js`).

import { Outbox, deviceLabel } from "./outbox.js";
import { format } from "./text.js";
import { Store, valueFormatter } from "./tablet/store.js";
import { Sync, jsonGetter } from "./tablet/sync.js";
import { byId } from "./tablet/dom.js";
import { createGrid } from "./tablet/grid.js";
import { createPanel } from "./tablet/panel.js";
import { createStatus } from "./tablet/status.js";
import { createJump } from "./tablet/jump.js";

const RETRY_LOAD = 5000; // ms before loading the skill again after a failure

const data = JSON.parse(byId("tablet-data").textContent);
const config = data.config;
const strings = data.strings;
const lang = document.documentElement.lang || "ru";
const t = (key, values = {}) => format(strings[key] || key, values);
const shown = valueFormatter(lang);

const readOnly = Boolean(config.readOnly);
const outbox = readOnly ? null : await Outbox.open(config.user, `${config.championship}/${config.skill}`);
const store = new Store({ config, t, outbox });

// What the grid, the panel and the connection line share; each adds itself below.
const view = {
  store, t, shown, lang, config,
  ui: { sub: null, open: null }, // the sub-criterion shown; the cell in the value panel
  cellNodes: new Map(), // cell -> the grid's element
  renderAll,
  announce: (text) => view.status.announce(text),
};

const getJson = jsonGetter((url, options) => fetch(url, options), {
  onUnauthorized: () => view.sync.endSession(),
});

const aspectOf = (entry) => store.scheme.aspects.get(entry.aspect);
const words = (entry) => ({ aspect: entry.aspect, competitor: entry.competitor });

view.sync = new Sync({
  store, outbox, config, device: readOnly ? "" : deviceLabel(), get: getJson,
  on: {
    change: renderAll,
    cell: (cell) => view.grid.renderCell(cell),
    status: () => view.status.render(),
    queued(entry) {
      view.grid.renderCell(entry.cell);
      view.grid.renderProgress();
      view.status.render();
      if (!view.sync.joined) {
        view.announce(t("announce_waiting", { ...words(entry), value: shown(aspectOf(entry), entry.value) }));
      }
    },
    saved({ entry, value }) {
      const aspect = aspectOf(entry);
      view.announce(t("announce_saved", { ...words(entry), value: aspect ? shown(aspect, value) : String(value) }));
    },
    refused({ entry, kind, message }) {
      const aspect = aspectOf(entry);
      view.announce(t("announce_rejected", { ...words(entry), message }));
      if (kind === "reason" && aspect && aspect.sub.code === view.ui.sub) {
        view.panel.open(entry.cell, { focus: "reason" });
      }
    },
    dispute(event) {
      view.announce(t("announce_dispute", { aspect: event.aspect, competitor: event.competitor }));
    },
    lock(event) {
      const sub = store.scheme.subs.find((s) => s.code === event.sub_criterion);
      if (sub && sub.code === view.ui.sub) {
        view.announce(t(event.locked ? "announce_locked" : "announce_unlocked", { sub: sub.code }));
      }
    },
  },
});
view.status = createStatus(view);
view.grid = createGrid(view);
view.panel = createPanel(view);
view.jump = createJump(view);

function renderAll() {
  view.grid.renderCells();
  view.grid.renderProgress();
  view.grid.renderLockBanner();
  if (view.ui.open) view.panel.render();
  view.status.render();
}

async function connect() {
  let module;
  try {
    module = await import("../vendor/socket.io/socket.io.esm.min.js");
  } catch {
    view.status.render();
    return;
  }
  // Venue Wi-Fi: give up on a connection attempt after 8 s (not 20) and retry within 5 s.
  view.sync.attach(module.io({
    transports: ["websocket"], timeout: 8000, reconnectionDelay: 1000, reconnectionDelayMax: 5000,
  }));
}

function wire() {
  view.grid.wire();
  view.jump.wire();
  view.panel.wire();
  window.addEventListener("online", () => view.sync.online());
  window.addEventListener("offline", () => view.status.render());
  if (outbox) outbox.onChange(renderAll); // another tab of the same user and skill (IndexedDB)
  window.addEventListener("storage", (event) => {
    // Another tab of the same user and skill changed the outbox.
    if (outbox && event.key === outbox.key) { outbox.reload(); renderAll(); }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") view.sync.catchUp();
  });
  view.sync.start();
}

// Which judgement panels this expert sits on (the chief seats them): said once in the head.
function showPanels() {
  const line = byId("my-panels");
  if (!line || store.readOnly || !Object.keys(store.panels).length) return;
  const mine = store.myPanels().map((entry) => (entry.only
    ? t("my_panels_only", { aspect: entry.aspect, competitors: entry.only.join(", ") }) : entry.aspect));
  line.textContent = mine.length ? t("my_panels", { aspects: mine.join(", ") }) : t("my_panels_none");
  line.hidden = false;
}

async function load() {
  try {
    store.setup(await getJson(config.api.skill));
    showPanels();
    view.grid.fillPicker();
    await view.sync.resync();
  } catch (error) {
    byId("loading").textContent = t("load_failed", { message: error.message });
    window.setTimeout(load, RETRY_LOAD);
    return;
  }
  byId("loading").hidden = true;
  byId("toolbar").hidden = false;
  byId("workspace").hidden = false;
  const wanted = new URL(window.location.href).searchParams.get("sub");
  view.grid.chooseSub(store.defaultSub(wanted, config.day), { remember: false });
  connect();
}

wire();
view.status.render();
load();
