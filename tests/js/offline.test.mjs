// What the offline pages' service worker keeps (static/js/offline-rules.js, a classic script
// run here as the worker runs it) and the competitor search of the tablet
// (static/js/tablet/jump.js). Run: node --test tests/js/*.test.mjs.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import vm from "node:vm";

import { findCompetitors, normalize } from "../../static/js/tablet/jump.js";

const worker = { URL };
vm.runInNewContext(readFileSync(new URL("../../static/js/offline-rules.js", import.meta.url), "utf8"),
  { self: worker, URL });
const rules = worker.offlineRules;
const { CACHE, kind } = rules;
const mine = (value) => (value ? { ...value } : value); // an object of this realm, not the script's
const cacheKey = (...args) => mine(rules.cacheKey(...args));
const fallbackKey = (...args) => mine(rules.fallbackKey(...args));

const ORIGIN = "http://127.0.0.1:5000";
const TABLET = `${ORIGIN}/judging/`;
const SCREEN = `${ORIGIN}/screen/`;

test("the worker takes the pages of its own section only", () => {
  assert.equal(kind(TABLET, `${ORIGIN}/judging/10?sub=B1`, "navigate"), "page");
  assert.equal(kind(TABLET, `${ORIGIN}/judging/vko-ws-2026/10`, "navigate"), "page");
  assert.equal(kind(SCREEN, `${ORIGIN}/screen/abc123`, "navigate"), "page");
  assert.equal(kind(TABLET, `${ORIGIN}/manage/accounts`, "navigate"), null);
  assert.equal(kind(TABLET, `${ORIGIN}/screen/abc123`, "navigate"), null);
  assert.equal(kind(TABLET, "https://cdn.example.org/judging/10", "navigate"), null);
});

test("files, the skill and its marks are kept; Socket.IO, other APIs and other sites are not", () => {
  assert.equal(kind(TABLET, `${ORIGIN}/static/js/tablet.js`), "static");
  assert.equal(kind(SCREEN, `${ORIGIN}/static/vendor/socket.io/socket.io.esm.min.js`), "static");
  assert.equal(kind(TABLET, `${ORIGIN}/api/v1/skills/10`), "skill");
  assert.equal(kind(TABLET, `${ORIGIN}/api/v1/skills/vko-ws-2026/10`), "skill");
  assert.equal(kind(TABLET, `${ORIGIN}/api/v1/skills/10/marks?since=4`), "marks");
  for (const url of ["/api/v1/skills", "/api/v1/skills/10/appeals", "/api/v1/marks",
    "/socket.io/?EIO=4&transport=polling", "/sw.js", "/judging/10/chief/progress.json"]) {
    assert.equal(kind(TABLET, `${ORIGIN}${url}`), null, url);
  }
  assert.equal(kind(TABLET, "https://cdn.example.org/static/js/tablet.js"), null);
});

test("an application under a prefix: the same rules below its root", () => {
  const scope = `${ORIGIN}/contest/judging/`;
  assert.equal(kind(scope, `${ORIGIN}/contest/judging/10`, "navigate"), "page");
  assert.equal(kind(scope, `${ORIGIN}/contest/static/css/tablet.css`), "static");
  assert.equal(kind(scope, `${ORIGIN}/contest/api/v1/skills/10`), "skill");
  assert.equal(kind(scope, `${ORIGIN}/static/css/tablet.css`), null);
});

test("a page is kept under its path, marks only from a complete read", () => {
  assert.deepEqual(cacheKey(TABLET, `${ORIGIN}/judging/10?sub=B1`, "navigate"),
    { url: `${ORIGIN}/judging/10`, keepIfNew: false });
  assert.deepEqual(cacheKey(TABLET, `${ORIGIN}/api/v1/skills/10/marks`),
    { url: `${ORIGIN}/api/v1/skills/10/marks`, keepIfNew: true });
  assert.equal(cacheKey(TABLET, `${ORIGIN}/api/v1/skills/10/marks?since=7`), null);
  assert.deepEqual(cacheKey(TABLET, `${ORIGIN}/static/js/outbox.js?v=2`),
    { url: `${ORIGIN}/static/js/outbox.js?v=2`, keepIfNew: true });
  assert.equal(cacheKey(TABLET, `${ORIGIN}/socket.io/?EIO=4`), null);
  assert.match(CACHE, /^competition-offline/);
});

test("without the network: the page whatever its query, the last complete read of the marks", () => {
  assert.deepEqual(fallbackKey(TABLET, `${ORIGIN}/judging/10?sub=B2`, "navigate"),
    { url: `${ORIGIN}/judging/10`, ignoreSearch: true });
  assert.deepEqual(fallbackKey(TABLET, `${ORIGIN}/api/v1/skills/10/marks?since=7`),
    { url: `${ORIGIN}/api/v1/skills/10/marks`, ignoreSearch: true });
  assert.deepEqual(fallbackKey(TABLET, `${ORIGIN}/api/v1/skills/10`),
    { url: `${ORIGIN}/api/v1/skills/10`, ignoreSearch: false });
  assert.equal(fallbackKey(TABLET, `${ORIGIN}/api/v1/skills/10/appeals`), null);
});

const COMPETITORS = [
  { code: "101", name: "Айгерім Сәрсенова", workstation: 1 },
  { code: "102", name: "Пётр Ёлкин", workstation: 2 },
  { code: "103", name: "Arman Nurlanov", workstation: 12 },
  { code: "112", name: "Dana Qasym", workstation: 3 },
  { code: "120", name: "Олег Ким", workstation: null },
];
const codes = (list) => list.map((c) => c.code);

test("the competitor search: code, workstation or name, any case and accents", () => {
  assert.deepEqual(codes(findCompetitors(COMPETITORS, "")), ["101", "102", "103", "112", "120"]);
  assert.deepEqual(codes(findCompetitors(COMPETITORS, "  ")), ["101", "102", "103", "112", "120"]);
  assert.deepEqual(codes(findCompetitors(COMPETITORS, "arman")), ["103"]);
  assert.deepEqual(codes(findCompetitors(COMPETITORS, "елкин")), ["102"]); // ё as е
  assert.deepEqual(codes(findCompetitors(COMPETITORS, "СӘРСЕН")), ["101"]);
  assert.deepEqual(codes(findCompetitors(COMPETITORS, "dana 112")), ["112"]);
  assert.deepEqual(codes(findCompetitors(COMPETITORS, "nobody")), []);
  assert.equal(normalize(" Ёлкин "), "елкин");
});

test("a code or a workstation typed alone comes first", () => {
  // "12": workstation 12 (competitor 103) first, then 112 and 120 that hold the digits
  assert.deepEqual(codes(findCompetitors(COMPETITORS, "12")), ["103", "112", "120"]);
  assert.deepEqual(codes(findCompetitors(COMPETITORS, "112")), ["112"]);
  assert.deepEqual(codes(findCompetitors(COMPETITORS, "3")), ["112", "103"]);
});

test("the outbox moves what an older page left in localStorage into IndexedDB once", async () => {
  const { mergeLegacy, Outbox } = await import("../../static/js/outbox.js");
  const a = { id: "a", cell: "B1.1|101" };
  const b = { id: "b", cell: "B1.2|101" };
  const c = { id: "c", cell: "B1.1|102" };
  assert.deepEqual(mergeLegacy(undefined, [a, b]), [a, b]); // the first start after the update
  assert.deepEqual(mergeLegacy([a], [a, b]), [a, b]); // moved, not twice
  assert.deepEqual(mergeLegacy([c, a], []), [c, a]);
  assert.deepEqual(mergeLegacy([a, null, { id: 1 }], "not a list"), [a]);
  // No IndexedDB (as in node): the outbox stays where it was, in the given storage.
  const storage = new Map();
  const local = { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, v),
    removeItem: (k) => storage.delete(k) };
  local.setItem("competition:outbox:v1:7:vko-ws-2026/10", JSON.stringify([a]));
  const outbox = await Outbox.open(7, "vko-ws-2026/10", { indexedDB: null, storage: local });
  assert.deepEqual(outbox.entries, [a]);
  outbox.add(b);
  assert.equal(JSON.parse(local.getItem(outbox.key)).length, 2);
});
