// A long task's progress bar, pushed over Socket.IO (competition/progress.py): the page joins
// its task's room with `progress:watch`, then shows each `progress {done, total, label}` as a
// bar and, every so often, as words for screen readers. Shared by the import pages and the
// badges page; "working…" with an indeterminate bar when the socket cannot connect.

// The Socket.IO client, vendored (static/vendor/socket.io): loaded at once, used on submit.
const socketClient = import("../vendor/socket.io/socket.io.esm.min.js").catch(() => null);
const CONNECT_WAIT = 2000; // ms: after this the form is sent without a progress bar
const SPEAK_EVERY = 1500; // ms between two announcements of the count to screen readers

export function working(form, status) {
  status.textContent = form.dataset.working;
  const bar = document.createElement("progress");
  bar.setAttribute("aria-hidden", "true");
  status.append(" ", bar);
  return bar;
}

// Join the task's room: resolves to the socket when the server accepted, else to null.
export async function watch(task) {
  const module = await socketClient;
  if (!module || !task) return null;
  const socket = module.io({ transports: ["websocket"], reconnection: false, timeout: CONNECT_WAIT });
  const joined = new Promise((resolve) => {
    socket.on("connect_error", () => resolve(false));
    socket.on("connect", () => {
      socket.emit("progress:watch", { task }, (answer) => resolve(Boolean(answer && answer.ok)));
    });
  });
  const timeout = new Promise((resolve) => { window.setTimeout(() => resolve(false), CONNECT_WAIT); });
  if (await Promise.race([joined, timeout])) return socket;
  socket.close();
  return null;
}

export function followProgress(socket, form, status, task) {
  const numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  let bar = null;
  let spoken = 0;
  socket.on("progress", (event) => {
    if (!event || event.task !== task || !event.total) return;
    if (!bar) {
      bar = document.createElement("progress");
      bar.setAttribute("aria-hidden", "true"); // the text below says the same
      status.replaceChildren(bar, " ", document.createElement("span"));
    }
    // Attributes, not properties: what a test (or an extension) observes.
    bar.setAttribute("max", String(event.total));
    bar.setAttribute("value", String(event.done));
    const now = Date.now();
    if (now - spoken >= SPEAK_EVERY || event.done === event.total) {
      spoken = now;
      status.lastChild.textContent = (form.dataset.progress || "{done} / {total}")
        .replace("{label}", event.label || "")
        .replace("{done}", numbers.format(event.done))
        .replace("{total}", numbers.format(event.total));
    }
  });
}
