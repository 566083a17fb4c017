// Offline pages (static/js/sw.js): a page that carries <meta name="offline-scope"
// content="<root>judging/" data-worker="<root>sw.js"> (the tablet, the hall screen) registers
// the service worker for its section, then names what it loaded before the worker took over, so
// that its first visit already survives a reload without the network. The worker is a secure
// context's feature: https, or the localhost of a test; on plain http to a venue server the
// page works as before, online only.
//
// Every page: logging out deletes what the worker kept (pages and data of this account), before
// the form goes. Marks not yet sent are not there but in the outbox, which stays.
//
// When the cache holds the page, <html data-offline="ready"> (the browser tests wait for it).

const PREFIX = "competition-offline";

async function forget() {
  if (!("caches" in globalThis)) return;
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX)) await caches.delete(name);
  }
}

function onLogout() {
  for (const form of document.querySelectorAll('form[action$="/logout"]')) {
    form.addEventListener("submit", (event) => {
      if (!("caches" in globalThis) || form.dataset.forgotten) return;
      event.preventDefault();
      form.dataset.forgotten = "1";
      const wait = new Promise((resolve) => { setTimeout(resolve, 1500); });
      Promise.race([forget().catch(() => {}), wait]).finally(() => form.submit());
    });
  }
}

// Same-origin files and data this page has loaded so far, and the page itself.
function loaded() {
  const urls = [{ url: window.location.href, mode: "navigate" }];
  for (const entry of performance.getEntriesByType("resource")) {
    if (new URL(entry.name).origin === window.location.origin) urls.push({ url: entry.name, mode: "" });
  }
  return urls;
}

async function register(meta) {
  const scope = meta.content;
  const registration = await navigator.serviceWorker.register(meta.dataset.worker, { scope });
  const worker = (await navigator.serviceWorker.ready).active || registration.active;
  if (!worker) return;
  if (document.readyState !== "complete") {
    await new Promise((resolve) => { window.addEventListener("load", resolve, { once: true }); });
  }
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.type === "kept") document.documentElement.dataset.offline = "ready";
  });
  const named = new Set();
  const name = (urls) => {
    const fresh = urls.filter(({ url }) => !named.has(url));
    for (const { url } of fresh) named.add(url);
    if (fresh.length) worker.postMessage({ type: "keep", urls: fresh });
  };
  name(loaded());
  if (controlledFromTheStart || !("PerformanceObserver" in window)) return;
  // The first visit: what the page loads from now on is named too (the skill's data, the
  // Socket.IO client), for a while: requests begun before the worker took the page do not
  // pass through it.
  const observer = new PerformanceObserver((list) => {
    name(list.getEntries().filter((entry) => new URL(entry.name).origin === window.location.origin)
      .map((entry) => ({ url: entry.name, mode: "" })));
  });
  observer.observe({ type: "resource", buffered: true });
  window.setTimeout(() => observer.disconnect(), 60000);
}

onLogout();
// A page the worker answered from its first request: it keeps all it loads by itself.
const controlledFromTheStart = Boolean(navigator.serviceWorker && navigator.serviceWorker.controller);
const meta = document.querySelector('meta[name="offline-scope"]');
if (meta && "serviceWorker" in navigator && window.isSecureContext) {
  register(meta).catch(() => { /* no worker: the page works online as before */ });
}
