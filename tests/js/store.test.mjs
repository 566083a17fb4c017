// The tablet's state (static/js/tablet/store.js) without a browser: what a cell is, progress,
// and the sub-criterion a judge starts on. Run: node --test tests/js/*.test.mjs.

import assert from "node:assert/strict";
import { test } from "node:test";

import { Outbox } from "../../static/js/outbox.js";
import { Store, sameValue, valueFormatter } from "../../static/js/tablet/store.js";
import { CONFIG, SKILL, memoryStorage, serverMark } from "./fakes.mjs";

function makeStore({ config = CONFIG, skill = SKILL } = {}) {
  const outbox = config.readOnly ? null : new Outbox(config.user, "vko-ws-2026/10", memoryStorage());
  const store = new Store({ config, t: (key) => `t:${key}`, outbox });
  store.setup(skill);
  const describe = (aspect, competitor) => store.describe(store.scheme.aspects.get(aspect), store.scheme.byCode.get(competitor));
  return { store, outbox, describe };
}

test("values are the same mark as numbers; no value only equals no value", () => {
  assert.equal(sameValue("2", 2), true);
  assert.equal(sameValue("1.50", 1.5), true);
  assert.equal(sameValue(0, null), false);
  assert.equal(sameValue(null, undefined), true);
  const shown = valueFormatter("en");
  assert.equal(shown({ type: "M" }, "1.5"), "1.50");
  assert.equal(shown({ type: "J" }, 2), "2");
  assert.equal(shown({ type: "M" }, null), "–");
});

test("a cell says whether it can be marked, and why not", () => {
  const { store, outbox, describe } = makeStore();
  assert.equal(describe("B1.1", "101").state, "empty");
  assert.equal(describe("B1.1", "101").markable, true);
  const compatriot = describe("B1.1", "106"); // ZCPO, like judge E05
  assert.deepEqual([compatriot.state, compatriot.markable, compatriot.reason], ["compatriot", false, "t:reason_compatriot"]);

  // Three other judges have scored the judgement: it is full for this one.
  for (const judge of ["E01", "E02", "E03"]) {
    store.applyMark(serverMark({ aspect: "B1.5", judge, value: 1, version: 2 }));
  }
  assert.equal(describe("B1.5", "101").state, "full");

  store.applyMark(serverMark({ value: "2.00", version: 3 }));
  assert.equal(describe("B1.1", "101").state, "saved");
  outbox.add({ id: "a", cell: "B1.1|101", value: "1.00" });
  assert.deepEqual([describe("B1.1", "101").state, describe("B1.1", "101").value], ["waiting", "1.00"]);
  store.inFlight.add("a");
  assert.equal(describe("B1.1", "101").state, "sending");
  store.locked.set("B1", true);
  assert.equal(describe("B1.1", "101").markable, false); // waiting, but signed off meanwhile
  outbox.remove("a");
  assert.equal(describe("B1.1", "101").state, "locked");
});

test("progress counts the cells the judge marks; read-only, every judge wanted", () => {
  const { store } = makeStore();
  const sub = store.scheme.subs[0];
  const row = (code) => store.rowProgress(sub, store.scheme.byCode.get(code));
  assert.deepEqual(row("101"), { done: 0, total: 2, waiting: 0 });
  assert.deepEqual(row("106"), { done: 0, total: 0, waiting: 0 }); // a compatriot
  store.applyMark(serverMark({ value: "2.00", version: 3 }));
  assert.deepEqual(store.subProgress(sub), { done: 1, total: 2 });

  const organizer = makeStore({ config: { ...CONFIG, expert: null, readOnly: true } });
  const subR = organizer.store.scheme.subs[0];
  organizer.store.applyMark(serverMark({ aspect: "B1.5", judge: "E01", value: 1, version: 2 }));
  assert.deepEqual(organizer.store.rowProgress(subR, organizer.store.scheme.byCode.get("101")),
    { done: 1, total: 4, waiting: 0 }); // 1 M mark + 3 judges of the J aspect
});

test("the judge starts on the sub-criterion asked for, else today's first unfinished", () => {
  const skill = structuredClone(SKILL);
  const [criterion] = skill.criteria;
  criterion.sub_criteria.push({ ...structuredClone(criterion.sub_criteria[0]), code: "B2", day: "C2",
    aspects: [{ code: "B2.1", type: "M", max: "1.00", values: ["0.00", "1.00"] }] });
  criterion.sub_criteria[0].day = "C2";
  criterion.sub_criteria[1].day = "C1";
  const { store } = makeStore({ skill });
  assert.equal(store.defaultSub(null, "C1"), "B2");
  assert.equal(store.defaultSub("B1", "C1"), "B1");
  assert.equal(store.defaultSub("Z9", "C3"), "B1");
  store.locked.set("B1", true);
  assert.equal(store.defaultSub(null, "C3"), "B2");
});

test("a refusal without the server's words gets the page's", () => {
  const { store } = makeStore();
  assert.equal(store.refuse("B1.1|101", { kind: "conflict", error: "conflict" }).message, "t:reason_conflict");
  assert.equal(store.refuse("B1.1|101", { kind: "rejected", error: "compatriot" }).message, "compatriot");
  assert.equal(store.refuse("B1.1|101", { kind: "rejected", message: "No", error: "x" }).message, "No");
});

test("with a panel seated, only its members (or the substitute for a competitor) mark a J cell", () => {
  const panels = {
    "B1.5": { members: ["E01", "E02", "E03"], exceptions: { "106": ["E01", "E02", "E05"] } },
  };
  const { store, describe } = makeStore({ skill: { ...SKILL, panels } });
  const off = describe("B1.5", "101");
  assert.deepEqual([off.state, off.markable], ["not_panel", false]);
  assert.equal(off.reason, "t:reason_not_panel");
  assert.equal(describe("B1.1", "101").state, "empty"); // measurement: no panel
  // E05 substitutes for 106, but is a compatriot of 106 in this fake: compatriot wins
  assert.equal(describe("B1.5", "106").state, "compatriot");
  assert.deepEqual(store.myPanels(), [{ aspect: "B1.5", only: ["106"] }]);
  // seated on the panel: the cell is theirs to mark; the row counts it
  const seated = makeStore({ skill: { ...SKILL, panels: { "B1.5": { members: ["E05", "E01", "E02"], exceptions: {} } } } });
  assert.equal(seated.describe("B1.5", "101").state, "empty");
  assert.deepEqual(seated.store.myPanels(), [{ aspect: "B1.5", only: null }]);
  const sub = store.scheme.subs[0];
  assert.deepEqual(store.rowProgress(sub, store.scheme.byCode.get("101")), { done: 0, total: 1, waiting: 0 });
});
