// A certificate batch's page: the progress bar moves with the worker's progress, pushed over
// Socket.IO to the organizer who started it; anyone else (or if the socket cannot connect)
// sees it move by asking the batch's state every two seconds. The download link appears when
// the file is ready. The page works without this script (reload to see the state).

const section = document.getElementById("batch");
const bar = document.getElementById("batch-bar");
const status = document.getElementById("batch-status");
const download = document.getElementById("batch-download");
const POLL = 2000;
const SPEAK_EVERY = 3000; // ms between two announcements of the count to screen readers

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_all, key) => (key in values ? String(values[key]) : ""));
}

let finished = false;
let spoken = 0;

function show(state) {
  if (finished) return;
  const total = state.total || 0;
  if (total) {
    bar.max = total;
    bar.value = state.done || 0;
  }
  if (state.status === "done") {
    finished = true;
    bar.max = 1;
    bar.value = 1;
    status.textContent = fill(section.dataset.ready, { total });
    const link = document.getElementById("batch-file");
    if (link && state.file) link.textContent = fill(link.dataset.label, { file: state.file });
    download.hidden = false;
    return;
  }
  if (state.status === "failed") {
    finished = true;
    status.textContent = `${section.dataset.failed} ${state.error || ""}`;
    return;
  }
  const now = Date.now();
  if (now - spoken >= SPEAK_EVERY || state.done === total) {
    spoken = now;
    if (state.label) {
      status.textContent = fill(section.dataset.progress, { label: state.label, done: state.done, total });
    } else {
      status.textContent = total ? fill(section.dataset.working, { done: state.done || 0, total })
        : section.dataset.checking;
    }
  }
}

async function poll() {
  while (!finished) {
    try {
      const response = await fetch(section.dataset.stateUrl, { headers: { Accept: "application/json" } });
      if (response.ok) show(await response.json());
    } catch (_error) {
      // the venue's network: try again
    }
    if (!finished) await new Promise((resolve) => { window.setTimeout(resolve, POLL); });
  }
}

async function follow(task) {
  let module;
  try {
    module = await import("../vendor/socket.io/socket.io.esm.min.js");
  } catch (_error) {
    return false;
  }
  const socket = module.io({ transports: ["websocket"] });
  socket.on("connect", () => {
    socket.emit("progress:watch", { task }, () => {});
  });
  socket.on("progress", (event) => {
    if (!event || event.task !== task) return;
    if (event.finished) {
      // the worker ended: the batch row holds the outcome (file, error)
      fetch(section.dataset.stateUrl, { headers: { Accept: "application/json" } })
        .then((response) => response.json()).then(show).catch(() => {});
      socket.close();
      return;
    }
    show({ status: "running", done: event.done, total: event.total, label: event.label });
  });
  return true;
}

if (section && !["done", "failed"].includes(section.dataset.status)) {
  if (section.dataset.task) follow(section.dataset.task);
  poll();
}
