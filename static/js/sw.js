// The service worker of the pages that must survive the venue's Wi-Fi: the tablet
// (/judging/…) and the hall screen (/screen/…). Served as /sw.js (competition/offline.py) and
// registered by static/js/offline.js with the scope of the page's section only, so no other
// page of the site is ever answered from here.
//
// Network first, the cache as the fallback: every answer that came from the network is kept
// (this browser only, keyed by its URL) and given back only when the network fails or is too
// slow. What is kept: the pages themselves (one per path, whatever their query), the files under
// /static/, and the skill and its marks the tablet reads at start (GET /api/v1/skills/<ref>, and
// …/marks without `since`, the complete read). Nothing else: no POST, no Socket.IO, no other
// API. Logging out deletes the cache (offline.js). The rules are in offline-rules.js, which the
// unit tests read too. A classic script (not a module): iPads' Safari takes those everywhere.

/* global importScripts */
importScripts("static/js/offline-rules.js"); // beside this worker's URL: <root>static/…
const { CACHE, cacheKey, kind, fallbackKey } = self.offlineRules;

const SLOW = 4000; // ms: a network that has not answered by then is taken as gone, if cached

self.addEventListener("install", () => { self.skipWaiting(); });

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("competition-offline") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// Whether an answer may be kept: a complete, ordinary answer of this server, not a redirect
// (a login page in place of the tablet is never kept).
const keepable = (response) => response && response.ok && response.status === 200
  && !response.redirected && response.type === "basic";

// Keeps an answer under key.url; a page only if it is kept already (offline.js asked for it
// once), so that only the pages that run offline.js are ever kept.
async function keep(key, response, { asked = false } = {}) {
  if (!key || !keepable(response)) return;
  const cache = await caches.open(CACHE);
  if (!key.keepIfNew && !asked && !(await cache.match(key.url))) return;
  await cache.put(key.url, response);
}

async function cached(request) {
  const key = fallbackKey(self.registration.scope, request.url, request.mode);
  if (!key) return null;
  const cache = await caches.open(CACHE);
  return (await cache.match(key.url, { ignoreSearch: key.ignoreSearch })) || null;
}

async function networkFirst(request) {
  const key = cacheKey(self.registration.scope, request.url, request.mode);
  const network = fetch(request).then(async (response) => {
    try { await keep(key, response.clone()); } catch { /* storage full: still answer */ }
    return response;
  });
  network.catch(() => {}); // answered from the cache meanwhile: the failure is no news
  let timer;
  const slow = new Promise((resolve) => { timer = setTimeout(resolve, SLOW); });
  try {
    const first = await Promise.race([network, slow]);
    if (first) return first;
    const copy = await cached(request); // the network is slow: the cached copy, if there is one
    return copy || await network;
  } catch (error) {
    const copy = await cached(request);
    if (copy) return copy;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  if (!kind(self.registration.scope, request.url, request.mode)) return; // the network's, as ever
  event.respondWith(networkFirst(request));
});

// The page names what it loaded before this worker controlled it (offline.js): keep those too,
// so that the very first visit already survives a reload without the network.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "keep" || !Array.isArray(data.urls)) return;
  event.waitUntil((async () => {
    for (const { url, mode } of data.urls) {
      const key = cacheKey(self.registration.scope, url, mode);
      if (!key) continue;
      try {
        const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        await keep(key, response, { asked: true });
      } catch { /* offline already: the next visit keeps it */ }
    }
    if (event.source) event.source.postMessage({ type: "kept" });
  })());
});
