// What the service worker (static/js/sw.js) keeps and gives back without the network: pure
// functions of URLs, shared by the worker (importScripts: a classic script, Safari's service
// workers do not all take modules) and the unit tests (tests/js/offline.test.mjs).
//
// `scope` is the worker registration's scope: <root>judging/ for the tablet, <root>screen/ for
// the hall screen, where <root> is the application's root ("/" or a proxy's prefix).
//   kind(scope, url, mode)  "page" | "static" | "skill" | "marks" | null (the network's alone)
//   cacheKey(…)             {url, keepIfNew} under which an answer is kept, or null: a page under
//                           its path (its query, ?sub=…, is the page's own state), marks only
//                           from a complete read (no `since`), the rest under the full URL
//   fallbackKey(…)          {url, ignoreSearch} to look for when the network fails

(function offlineRules(root) {
  const CACHE = "competition-offline-v1";

  function parts(scope, url) {
    const base = new URL(scope);
    const target = new URL(url, base);
    if (target.origin !== base.origin) return null;
    const app = new URL("../", base).pathname; // the application's root, ending in "/"
    if (!target.pathname.startsWith(app)) return null;
    return { base, target, app, rest: target.pathname.slice(app.length) };
  }

  function kind(scope, url, mode = "") {
    const p = parts(scope, url);
    if (!p) return null;
    if (p.rest.startsWith("socket.io/")) return null;
    if (mode === "navigate") return p.target.pathname.startsWith(p.base.pathname) ? "page" : null;
    if (p.rest.startsWith("static/")) return "static";
    const api = /^api\/v1\/skills\/(.+)$/.exec(p.rest);
    if (!api) return null;
    const ref = api[1];
    if (ref.endsWith("/marks")) return ref.length > "/marks".length ? "marks" : null;
    if (/(^|\/)(appeals|marks)(\/|$)/.test(ref) || ref.endsWith("/")) return null;
    return "skill";
  }

  const withoutSearch = (target) => `${target.origin}${target.pathname}`;

  function cacheKey(scope, url, mode = "") {
    const what = kind(scope, url, mode);
    if (!what) return null;
    const target = new URL(url, scope);
    if (what === "page") return { url: withoutSearch(target), keepIfNew: false };
    if (what === "marks") {
      return target.searchParams.has("since") ? null : { url: withoutSearch(target), keepIfNew: true };
    }
    return { url: target.href, keepIfNew: true };
  }

  function fallbackKey(scope, url, mode = "") {
    const what = kind(scope, url, mode);
    if (!what) return null;
    const target = new URL(url, scope);
    if (what === "page" || what === "marks") return { url: withoutSearch(target), ignoreSearch: true };
    return { url: target.href, ignoreSearch: false };
  }

  root.offlineRules = { CACHE, kind, cacheKey, fallbackKey };
}(typeof self !== "undefined" ? self : globalThis));
