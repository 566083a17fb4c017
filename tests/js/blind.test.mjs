// Blind judgement on the tablet (docs/api.md, "Blind judgement"): co-judges' scores of a J cell
// arrive hidden (value null, hidden: true, scored/of) until all judges have scored; the store
// counts them, never lets a hidden copy replace a score it holds, and takes the reveal.
// Run: node --test tests/js/*.test.mjs (make test-js).

import assert from "node:assert/strict";
import { test } from "node:test";

import { mustRemark } from "../../static/js/tablet/store.js";
import { joined, makeTablet, serverMark } from "./fakes.mjs";

const jMark = (fields) => serverMark({ aspect: "B1.5", value: 2, scored: 1, of: 3, ...fields });
const hidden = (fields) => jMark({ value: null, hidden: true, by: null, device: "", ...fields });

test("a co-judge's hidden score counts as scored, shows no value, and fills the cell", async () => {
  const tablet = await joined(makeTablet());
  const { socket, store } = tablet;
  const cell = () => store.describe(tablet.aspect("B1.5"), tablet.competitor("101"));
  socket.fire("marks", { skill: "10", version: 2, marks: [hidden({ judge: "E01", version: 2, scored: 1 })] });
  assert.deepEqual(cell().count, { scored: 1, of: 3 });
  assert.equal(cell().state, "empty");
  assert.equal(cell().value, null);
  socket.fire("marks", { skill: "10", version: 3, marks: [hidden({ judge: "E01", version: 2, scored: 2 }), hidden({ judge: "E02", version: 3, scored: 2 })] });
  socket.fire("marks", { skill: "10", version: 4, marks: [hidden({ judge: "E03", version: 4, scored: 3 })] });
  // Three judges have scored (hidden or not): this fourth judge may not add a score.
  assert.deepEqual(cell().count, { scored: 3, of: 3 });
  assert.equal(cell().state, "full");
});

test("the judge's own score is never replaced by its hidden copy; the reveal shows all", async () => {
  const tablet = await joined(makeTablet());
  const { socket, store } = tablet;
  const mine = () => store.myMark(tablet.aspect("B1.5"), tablet.competitor("101"));
  // The judge's own score (as the ack and their own room give it) …
  socket.fire("marks", { skill: "10", version: 5, marks: [jMark({ judge: "E05", value: 1, version: 5 })] });
  // … then the panel's blind event for the same mark: the score stays.
  socket.fire("marks", { skill: "10", version: 5, marks: [hidden({ judge: "E05", version: 5 })] });
  assert.equal(mine().value, 1);
  assert.deepEqual(store.describe(tablet.aspect("B1.5"), tablet.competitor("101")).state, "saved");
  socket.fire("marks", { skill: "10", version: 6, marks: [hidden({ judge: "E01", version: 6, scored: 2 })] });
  assert.equal(store.cells.get("B1.5|101").get("E01").value, null);
  // The last score: every score of the cell, revealed at once.
  socket.fire("marks", { skill: "10", version: 7, marks: [
    jMark({ judge: "E05", value: 1, version: 5, scored: 3 }),
    jMark({ judge: "E01", value: 3, version: 6, scored: 3 }),
    jMark({ judge: "E02", value: 0, version: 7, scored: 3 }),
  ] });
  const values = [...store.cells.get("B1.5|101").entries()].map(([judge, m]) => [judge, m.value, Boolean(m.hidden)]);
  assert.deepEqual(values.sort(), [["E01", 3, false], ["E02", 0, false], ["E05", 1, false]]);
  assert.equal(store.describe(tablet.aspect("B1.5"), tablet.competitor("101")).count.scored, 3);
});

test("a resync over HTTP takes hidden and revealed marks like events", async () => {
  const tablet = await joined(makeTablet());
  const { http, store, sync } = tablet;
  http.auto = null;
  const first = sync.resync();
  http.last().resolve({ version: 3, marks: [hidden({ judge: "E01", version: 3 })] });
  await first;
  assert.deepEqual(store.scoredCount("B1.5|101"), { scored: 1, of: 3 });
  const second = sync.resync();
  http.last().resolve({ version: 9, marks: [hidden({ judge: "E01", version: 3, scored: 2 }), hidden({ judge: "E02", version: 9, scored: 2 })] });
  await second;
  assert.deepEqual(store.scoredCount("B1.5|101"), { scored: 2, of: 3 });
  // A withdrawn score is not a score, hidden or not.
  store.applyMark(jMark({ judge: "E02", value: null, version: 10, revision: 2, scored: 1 }));
  assert.deepEqual(store.scoredCount("B1.5|101"), { scored: 1, of: 3 });
});

test("who must re-mark: those outside the band most scores are in; no single band, all", () => {
  assert.deepEqual(mustRemark([["E01", 0], ["E02", 1], ["E03", 3]]), ["E03"]);
  assert.deepEqual(mustRemark([["E01", 1], ["E02", 3], ["E03", 3]]), ["E01"]);
  assert.deepEqual(mustRemark([["E01", 0], ["E02", 3]]), ["E01", "E02"]);
  assert.deepEqual(mustRemark([["E01", 0], ["E02", 0], ["E03", 3], ["E04", 3]]), ["E01", "E02", "E03", "E04"]);
});

test("a revealed cell in dispute is explained: scores, spread and who re-marks", async () => {
  const tablet = await joined(makeTablet());
  const { socket, store } = tablet;
  socket.fire("marks", { skill: "10", version: 7, marks: [
    jMark({ judge: "E05", value: 3, version: 5, scored: 3 }),
    jMark({ judge: "E01", value: 0, version: 6, scored: 3 }),
    jMark({ judge: "E02", value: 1, version: 7, scored: 3 }),
  ] });
  assert.equal(store.disputeOf("B1.5|101"), null); // no dispute event yet
  socket.fire("dispute", { skill: "10", aspect: "B1.5", competitor: "101", open: true, scores: { E01: 0, E02: 1, E05: 3 } });
  assert.deepEqual(store.disputeOf("B1.5|101"), {
    scores: [["E01", 0], ["E02", 1], ["E05", 3]], spread: 3, remark: ["E05"],
  });
  assert.equal(store.describe(tablet.aspect("B1.5"), tablet.competitor("101")).dispute, true);
});
