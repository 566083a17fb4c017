// The tablet's sync protocol (static/js/tablet/sync.js) without a browser: the real Store,
// Outbox and Sync against a fake socket, a fake HTTP getter, a fake clock and a Map-backed
// localStorage (tests/js/fakes.mjs). Run: node --test tests/js/*.test.mjs (make test-js).

import assert from "node:assert/strict";
import { test } from "node:test";

import { ACK_TIMEOUT, DRAIN_EVERY, JOIN_RETRY, RESYNC_EVERY, jsonGetter } from "../../static/js/tablet/sync.js";
import { CONFIG, OUTBOX_KEY, flush, joined, makeTablet, memoryStorage, serverMark } from "./fakes.mjs";

const submits = (tablet) => tablet.socket.sent("mark:submit");

function enqueue(tablet, aspect, competitor, value, reason = "") {
  return tablet.sync.enqueue(tablet.aspect(aspect), tablet.competitor(competitor), value, reason);
}

function stateOf(tablet, aspect, competitor) {
  return tablet.store.describe(tablet.aspect(aspect), tablet.competitor(competitor));
}

test("a mark stays in the outbox, on disk, until the server acknowledges it", async () => {
  const tablet = await joined(makeTablet());
  enqueue(tablet, "B1.1", "101", "2.00");

  const [call] = submits(tablet);
  assert.equal(submits(tablet).length, 1);
  assert.equal(call.ms, ACK_TIMEOUT);
  assert.deepEqual(call.payload, {
    id: "mark-1", skill: "10", competitor: "101", aspect: "B1.1", value: "2.00", base: 0,
    reason: "", device: "tablet t1",
  });
  assert.equal(tablet.outbox.size, 1);
  assert.deepEqual(tablet.stored().map((e) => [e.id, e.value, e.tried]), [["mark-1", "2.00", true]]);
  assert.equal(stateOf(tablet, "B1.1", "101").state, "sending");
  assert.deepEqual(tablet.sync.status(), {
    sessionEnded: false, connected: true, tried: true, joined: true, sending: 1, waiting: 1,
    memoryOnly: false,
  });

  call.answer({ ok: true, mark: serverMark({ value: "2.00", revision: 1, version: 5 }), replay: false, unchanged: false });

  assert.equal(tablet.outbox.size, 0);
  assert.deepEqual(tablet.stored(), []);
  assert.equal(tablet.store.inFlight.size, 0);
  assert.equal(stateOf(tablet, "B1.1", "101").state, "saved");
  assert.equal(tablet.store.myMark(tablet.aspect("B1.1"), tablet.competitor("101")).revision, 1);
  const [saved] = tablet.reported("saved");
  assert.equal(saved.entry.id, "mark-1");
  assert.equal(saved.value, "2.00");
});

test("no acknowledgement within the timeout: the mark is kept and sent again with the same id", async () => {
  const tablet = await joined(makeTablet());
  enqueue(tablet, "B1.5", "101", 2);
  const [first] = submits(tablet);

  tablet.clock.advance(ACK_TIMEOUT - 1); // a drain meanwhile does not send it twice
  assert.equal(submits(tablet).length, 1);
  assert.equal(first.settled, false);

  tablet.clock.advance(1);
  assert.equal(first.timedOut, true);
  assert.equal(tablet.outbox.size, 1);
  assert.equal(tablet.store.inFlight.size, 0);
  assert.equal(stateOf(tablet, "B1.5", "101").state, "waiting");
  assert.deepEqual(tablet.reported("saved"), []);
  assert.deepEqual(tablet.reported("refused"), []);

  tablet.clock.advance(DRAIN_EVERY);
  assert.equal(submits(tablet).length, 2);
  const second = submits(tablet)[1];
  assert.deepEqual(second.payload, first.payload);
  assert.equal(second.payload.id, "mark-1");

  second.answer({ ok: true, mark: serverMark({ aspect: "B1.5", judge: "E05", value: 2, version: 3 }), replay: false });
  assert.equal(tablet.outbox.size, 0);
  assert.equal(stateOf(tablet, "B1.5", "101").state, "saved");
});

test("a replay answer (the first answer was lost) settles the mark as saved", async () => {
  const tablet = await joined(makeTablet());
  enqueue(tablet, "B1.1", "101", "1.00");
  tablet.clock.advance(ACK_TIMEOUT + DRAIN_EVERY);
  const resent = submits(tablet).at(-1);
  assert.equal(resent.payload.id, "mark-1");

  resent.answer({ ok: true, replay: true, unchanged: false, mark: serverMark({ value: "1.00", version: 4 }) });

  assert.equal(tablet.outbox.size, 0);
  assert.equal(stateOf(tablet, "B1.1", "101").state, "saved");
  assert.equal(tablet.reported("saved").length, 1);
  assert.deepEqual(tablet.reported("refused"), []);
});

test("an unchanged answer (the cell holds that value already) settles the mark as saved", async () => {
  const mark = serverMark({ value: "1.00", revision: 2, version: 6 });
  const tablet = await joined(makeTablet(), { marks: [mark] });
  enqueue(tablet, "B1.1", "101", "1");
  const [call] = submits(tablet);
  assert.equal(call.payload.base, 2); // against the revision the judge saw

  call.answer({ ok: true, replay: false, unchanged: true, mark });

  assert.equal(tablet.outbox.size, 0);
  assert.equal(stateOf(tablet, "B1.1", "101").state, "saved");
  assert.equal(tablet.reported("saved")[0].value, "1.00");
  tablet.clock.advance(DRAIN_EVERY * 3);
  assert.equal(submits(tablet).length, 1);
});

test("a conflict drops the entry and the corrections after it, and shows the server's mark", async () => {
  const tablet = await joined(makeTablet(), { marks: [serverMark({ value: "2.00", revision: 1, version: 2 })] });
  enqueue(tablet, "B1.1", "101", "0.00");
  enqueue(tablet, "B1.1", "101", "1.00"); // while the first is on its way: it follows it
  assert.equal(tablet.outbox.size, 2);
  assert.equal(submits(tablet).length, 1);

  const theirs = serverMark({ value: "1.50", revision: 2, version: 8, by: "judge-e04" });
  submits(tablet)[0].answer({ ok: false, error: "conflict", message: "", mark: theirs });

  assert.equal(tablet.outbox.size, 0);
  assert.deepEqual(tablet.stored(), []);
  assert.equal(tablet.store.myMark(tablet.aspect("B1.1"), tablet.competitor("101")), theirs);
  const info = stateOf(tablet, "B1.1", "101");
  assert.equal(info.state, "conflict");
  assert.equal(info.value, "1.50");
  assert.equal(info.reason, "t:reason_conflict"); // the server gave no message
  const [refused] = tablet.reported("refused");
  assert.equal(refused.kind, "conflict");
  assert.equal(refused.entry.id, "mark-1");
  tablet.clock.advance(DRAIN_EVERY * 3);
  assert.equal(submits(tablet).length, 1); // not retried

  // The judge marks again: against the server's revision, and the conflict is gone.
  enqueue(tablet, "B1.1", "101", "0.00");
  assert.equal(submits(tablet).at(-1).payload.base, 2);
  assert.equal(tablet.store.refused.size, 0);
});

test("a refusal for good drops the entry and says why; locked signs the sub-criterion off", async () => {
  const tablet = await joined(makeTablet());
  enqueue(tablet, "B1.1", "106", "1.00");
  submits(tablet)[0].answer({ ok: false, error: "compatriot", message: "Your own organization" });
  assert.equal(tablet.outbox.size, 0);
  assert.equal(tablet.store.refused.get("B1.1|106").kind, "rejected");
  assert.deepEqual(tablet.reported("refused").map((r) => [r.kind, r.message, r.error]),
    [["rejected", "Your own organization", "compatriot"]]);

  enqueue(tablet, "B1.5", "101", 3, "");
  submits(tablet)[1].answer({ ok: false, error: "reason_required", message: "" });
  const reason = stateOf(tablet, "B1.5", "101");
  assert.equal(reason.state, "reason");
  assert.equal(reason.value, 3); // the value waits for its reason
  assert.equal(tablet.reported("refused")[1].message, "reason_required");

  enqueue(tablet, "B1.1", "101", "2.00");
  submits(tablet)[2].answer({ ok: false, error: "locked", message: "Signed off" });
  assert.equal(tablet.store.locked.get("B1"), true);
  assert.equal(stateOf(tablet, "B1.1", "101").state, "locked");
  assert.equal(tablet.outbox.size, 0);
  tablet.clock.advance(DRAIN_EVERY * 3);
  assert.equal(submits(tablet).length, 3);
});

test("server_error keeps the mark and sends it again with the same id", async () => {
  const tablet = await joined(makeTablet());
  enqueue(tablet, "B1.1", "101", "2.00");
  submits(tablet)[0].answer({ ok: false, error: "server_error", message: "" });
  assert.equal(tablet.outbox.size, 1);
  assert.equal(stateOf(tablet, "B1.1", "101").state, "waiting");
  assert.deepEqual(tablet.reported("refused"), []);

  tablet.clock.advance(DRAIN_EVERY);
  assert.equal(submits(tablet).length, 2);
  assert.equal(submits(tablet)[1].payload.id, "mark-1");
});

test("unauthenticated: the mark is kept and the session is over until the next login", async () => {
  const tablet = await joined(makeTablet());
  enqueue(tablet, "B1.1", "101", "2.00");
  submits(tablet)[0].answer({ ok: false, error: "unauthenticated", message: "" });
  assert.equal(tablet.outbox.size, 1);
  assert.equal(tablet.sync.status().sessionEnded, true);
  assert.deepEqual(tablet.reported("refused"), []);
});

test("a reconnection joins, catches up from the last version seen, then drains", async () => {
  const tablet = makeTablet();
  const { socket, sync, http, store } = tablet;

  // The page's first read: every mark, and the version.
  const loading = sync.resync();
  assert.equal(http.last().url, CONFIG.api.marks);
  http.last().resolve({ marks: [serverMark({ value: "1.00", version: 7 })], version: 7 });
  await loading;
  assert.equal(store.version, 7);

  sync.attach(socket);
  enqueue(tablet, "B1.1", "101", "2.00"); // offline: it waits
  assert.equal(submits(tablet).length, 0);
  assert.equal(tablet.sync.status().waiting, 1);

  socket.serverAccepts();
  tablet.clock.advance(DRAIN_EVERY); // connected, not yet in the panel: nothing goes
  assert.equal(submits(tablet).length, 0);
  const [join] = socket.sent("panel:join");
  assert.deepEqual(join.payload, { skill: "10" });
  join.answer({ ok: true, marks: [], locks: [], disputes: [] });
  await flush();
  assert.equal(http.last().url, `${CONFIG.api.marks}?since=7`);
  assert.equal(submits(tablet).length, 0); // not before the catch-up

  http.last().resolve({ marks: [serverMark({ value: "1.00", revision: 2, version: 9 })], version: 9 });
  await flush();
  assert.equal(store.version, 9);
  assert.equal(submits(tablet).length, 1);
  assert.equal(submits(tablet)[0].payload.id, "mark-1");
  // Its base is the revision the judge saw when marking (1), not the one caught up since (2):
  // the server answers a conflict rather than overwrite a change the judge has not seen.
  assert.equal(submits(tablet)[0].payload.base, 1);
});

test("a dropped connection loses the answers on their way: after the next join they go again", async () => {
  const tablet = await joined(makeTablet());
  const { socket, http, store } = tablet;
  store.version = 12;
  enqueue(tablet, "B1.1", "101", "2.00");
  assert.equal(store.inFlight.size, 1);

  socket.drops();
  assert.equal(store.inFlight.size, 0);
  assert.equal(tablet.sync.status().joined, false);
  tablet.clock.advance(DRAIN_EVERY); // not joined: nothing goes
  assert.equal(submits(tablet).length, 1);

  http.auto = null;
  socket.serverAccepts();
  socket.waiting("panel:join").at(-1).answer({ ok: true, marks: [], locks: [], disputes: [] });
  await flush();
  assert.equal(http.last().url, `${CONFIG.api.marks}?since=12`);
  http.last().resolve({ marks: [], version: 12 });
  await flush();
  assert.equal(submits(tablet).length, 2);
  assert.equal(submits(tablet)[1].payload.id, "mark-1");
});

test("a join without an answer is tried again; a refused one says why", async () => {
  const tablet = makeTablet();
  const { socket, sync } = tablet;
  sync.attach(socket);
  socket.serverAccepts();
  tablet.clock.advance(ACK_TIMEOUT);
  assert.equal(socket.sent("panel:join").length, 1);
  tablet.clock.advance(JOIN_RETRY);
  assert.equal(socket.sent("panel:join").length, 2);

  socket.sent("panel:join")[1].answer({ ok: false, error: "unauthenticated" });
  await flush();
  assert.equal(sync.status().sessionEnded, true);
  assert.equal(sync.status().joined, false);
});

test("marks arriving out of order (an older version) are ignored", async () => {
  const tablet = await joined(makeTablet());
  const { socket, store, http } = tablet;
  const mine = () => store.myMark(tablet.aspect("B1.1"), tablet.competitor("101"));

  socket.fire("marks", { skill: "10", version: 9, marks: [serverMark({ value: "1.00", revision: 2, version: 9 })] });
  socket.fire("marks", { skill: "10", version: 7, marks: [serverMark({ value: "2.00", revision: 1, version: 7 })] });
  assert.equal(mine().value, "1.00");

  // The same version: the later revision stands.
  socket.fire("marks", { skill: "10", version: 9, marks: [serverMark({ value: "0.00", revision: 1, version: 9 })] });
  assert.equal(mine().value, "1.00");

  // A catch-up read older than an event already seen.
  http.auto = null;
  const catchUp = tablet.sync.resync();
  http.last().resolve({ marks: [serverMark({ value: "2.00", revision: 1, version: 8 })], version: 8 });
  await catchUp;
  assert.equal(mine().value, "1.00");

  // Newer: taken. Another skill's: not.
  socket.fire("marks", { skill: "10", version: 10, marks: [serverMark({ value: "0.00", revision: 3, version: 10 })] });
  assert.equal(mine().value, "0.00");
  socket.fire("marks", { skill: "04", version: 99, marks: [serverMark({ skill: "04", value: "2.00", revision: 9, version: 99 })] });
  assert.equal(mine().value, "0.00");
});

test("a second value before the first is sent takes its place; one after follows its base", async () => {
  const tablet = makeTablet();
  enqueue(tablet, "B1.1", "101", "1.00"); // offline
  enqueue(tablet, "B1.1", "101", "2.00");
  assert.deepEqual(tablet.stored().map((e) => [e.value, e.base, e.follows]), [["2.00", 0, false]]);

  await joined(tablet);
  assert.equal(submits(tablet).length, 1);
  assert.equal(submits(tablet)[0].payload.value, "2.00");
  enqueue(tablet, "B1.1", "101", "0.00"); // the first is on its way
  assert.deepEqual(tablet.stored().map((e) => [e.value, e.follows]), [["2.00", false], ["0.00", true]]);
  assert.equal(submits(tablet).length, 1); // one at a time per cell

  submits(tablet)[0].answer({ ok: true, mark: serverMark({ value: "2.00", revision: 1, version: 3 }) });
  // On disk too: a reload now would send it against revision 1.
  assert.deepEqual(tablet.stored().map((e) => [e.value, e.base, e.follows]), [["0.00", 1, false]]);
  assert.equal(submits(tablet).length, 2);
  assert.equal(submits(tablet)[1].payload.value, "0.00");
  assert.equal(submits(tablet)[1].payload.base, 1);
});

test("an outbox left by the page before this version is read, kept in its format and sent", async () => {
  // What an older tablet page wrote into localStorage, byte for byte.
  const old = '[{"id":"5b1f0c2e-8a41-4c7e-9f0a-3d2b1c0e9f11","cell":"B1.5|101","skill":"10",'
    + '"competitor":"101","aspect":"B1.5","value":3,"base":0,"follows":false,"reason":"",'
    + '"device":"tablet 4f2a1b","at":"2026-11-25T15:02:11.000Z","tried":true}]';
  const storage = memoryStorage({ [OUTBOX_KEY]: old, "competition:outbox:v1:42:other/04": "[]" });
  const tablet = makeTablet({ storage });
  assert.equal(tablet.outbox.key, OUTBOX_KEY);
  assert.equal(tablet.outbox.size, 1);
  assert.equal(stateOf(tablet, "B1.5", "101").state, "waiting");

  await joined(tablet);
  const [call] = submits(tablet);
  assert.deepEqual(call.payload, {
    id: "5b1f0c2e-8a41-4c7e-9f0a-3d2b1c0e9f11", skill: "10", competitor: "101", aspect: "B1.5",
    value: 3, base: 0, reason: "", device: "tablet 4f2a1b",
  });

  // A new entry is written in the same shape, beside the old one.
  enqueue(tablet, "B1.1", "101", "2.00");
  const written = JSON.parse(storage.getItem(OUTBOX_KEY));
  assert.deepEqual(Object.keys(written[1]).sort(), Object.keys(JSON.parse(old)[0]).sort());
  assert.deepEqual(written[1], {
    id: "mark-1", cell: "B1.1|101", skill: "10", competitor: "101", aspect: "B1.1", value: "2.00",
    base: 0, follows: false, reason: "", device: "tablet t1", at: "2026-11-26T09:00:00.000Z", tried: true,
  });
  assert.equal(storage.getItem("competition:outbox:v1:42:other/04"), "[]");
});

test("storage that refuses writes: the marks still go out, and the page is told", async () => {
  const storage = memoryStorage();
  storage.setItem = () => { throw new Error("QuotaExceededError"); };
  const tablet = await joined(makeTablet({ storage }));
  enqueue(tablet, "B1.1", "101", "2.00");
  assert.equal(tablet.sync.status().memoryOnly, true);
  assert.equal(submits(tablet).length, 1);
});

test("a duplicate answer to a mark settled already changes nothing", async () => {
  const tablet = await joined(makeTablet());
  enqueue(tablet, "B1.1", "101", "2.00");
  const [first] = submits(tablet);
  first.answer({ ok: true, mark: serverMark({ value: "2.00", revision: 1, version: 3 }) });
  enqueue(tablet, "B1.1", "101", "1.00");
  first.answerLate({ ok: false, error: "conflict", message: "", mark: serverMark({ value: "0.00", revision: 5, version: 2 }) });
  assert.equal(tablet.outbox.size, 1);
  assert.deepEqual(tablet.reported("refused"), []);
  assert.equal(tablet.reported("saved").length, 1);
});

test("disputes and locks of the panel reach the page; another skill's do not", async () => {
  const tablet = await joined(makeTablet(), {
    marks: [serverMark({ aspect: "B1.5", judge: "E05", value: 2, version: 4 })],
  });
  const { socket, store } = tablet;
  socket.fire("dispute", { skill: "10", aspect: "B1.5", competitor: "101", scores: {}, open: true });
  socket.fire("dispute", { skill: "10", aspect: "B1.5", competitor: "101", scores: {}, open: true });
  assert.equal(tablet.reported("dispute").length, 1); // told once, when it opens
  assert.equal(stateOf(tablet, "B1.5", "101").dispute, true);
  socket.fire("dispute", { skill: "10", aspect: "B1.5", competitor: "101", open: false });
  assert.equal(stateOf(tablet, "B1.5", "101").dispute, false);

  socket.fire("lock", { skill: "04", sub_criterion: "B1", locked: true });
  assert.equal(store.locked.get("B1"), false);
  socket.fire("lock", { skill: "10", sub_criterion: "B1", locked: true });
  assert.equal(store.locked.get("B1"), true);
  assert.equal(tablet.reported("lock").length, 1);
});

test("while joined, the marks are caught up every RESYNC_EVERY", async () => {
  const tablet = await joined(makeTablet());
  const before = tablet.http.calls.length;
  tablet.clock.advance(RESYNC_EVERY);
  assert.equal(tablet.http.calls.length, before + 1);
  tablet.socket.drops();
  tablet.clock.advance(RESYNC_EVERY);
  assert.equal(tablet.http.calls.length, before + 1);
});

test("back on the network: a socket that is down tries now, not after its back-off", async () => {
  const tablet = makeTablet();
  tablet.sync.attach(tablet.socket);
  tablet.sync.online();
  assert.deepEqual(tablet.socket.log, ["disconnect", "connect"]);

  await joined(tablet);
  tablet.socket.log.length = 0;
  tablet.sync.online(); // connected: left alone
  assert.deepEqual(tablet.socket.log, []);
});

test("the HTTP getter: JSON on success; a 401 ends the session before it fails", async () => {
  const seen = [];
  const respond = (status, body) => async (url, options) => {
    seen.push([url, options]);
    return { status, ok: status < 400, json: async () => body };
  };
  const get = jsonGetter(respond(200, { version: 3 }));
  assert.deepEqual(await get("/api/v1/skills/10/marks"), { version: 3 });
  assert.deepEqual(seen[0][1], {
    headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
  });

  let ended = 0;
  const refused = jsonGetter(respond(401, { message: "log in" }), { onUnauthorized: () => { ended += 1; } });
  await assert.rejects(refused("/x"), /log in/);
  assert.equal(ended, 1);
  await assert.rejects(jsonGetter(respond(503, null))("/x"), /HTTP 503/);
});

test("the tablet's label is kept in its storage; without storage it is plain 'tablet'", async () => {
  const { deviceLabel } = await import("../../static/js/outbox.js");
  const storage = memoryStorage();
  const label = deviceLabel(storage);
  assert.match(label, /^tablet [0-9a-f]{6}$/);
  assert.equal(storage.getItem("competition:device"), label);
  assert.equal(deviceLabel(storage), label);
  assert.equal(deviceLabel({ getItem() { throw new Error("SecurityError"); } }), "tablet");
});
