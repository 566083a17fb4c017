// A board applies `results_changes` (static/js/standings-changes.js; docs/api.md, "Boards and
// their snapshots"): changed rows replace the held ones, `order` moves them, and anything it
// cannot apply gives null (the board then reads the whole snapshot).
// Run: node --test tests/js/*.test.mjs (make test-js).

import assert from "node:assert/strict";
import { test } from "node:test";

import { applyChanges } from "../../static/js/standings-changes.js";

const row = (competitor, total, rank) => ({ competitor, status: "active", total, score: total, rank, medal: null });
const held = {
  skill: "10",
  disputes: [],
  groups: [
    { category: null, final: false, results: [row("101", "9.00", 1), row("102", "8.00", 2), row("103", "7.00", 3)] },
  ],
};

test("a changed row replaces the held one; the others stay as they were", () => {
  const results = applyChanges(held, {
    base: 40, skill: "10", disputes: [],
    groups: [{ category: null, final: false, changed: [row("102", "8.50", 2)] }],
  });
  assert.deepEqual(results.groups[0].results.map((r) => [r.competitor, r.total]),
    [["101", "9.00"], ["102", "8.50"], ["103", "7.00"]]);
  assert.equal(results.groups[0].results[0], held.groups[0].results[0]);
  assert.equal("base" in results, false);
  assert.equal("changed" in results.groups[0], false);
});

test("an order moves the rows; group fields and the rest come from the changes", () => {
  const results = applyChanges(held, {
    base: 40, skill: "10", disputes: [{ aspect: "A1" }],
    groups: [{ category: null, final: true, order: ["103", "101", "102"],
               changed: [row("103", "9.50", 1), row("101", "9.00", 2), row("102", "8.00", 3)] }],
  });
  assert.deepEqual(results.groups[0].results.map((r) => [r.competitor, r.rank]),
    [["103", 1], ["101", 2], ["102", 3]]);
  assert.equal(results.groups[0].final, true);
  assert.deepEqual(results.disputes, [{ aspect: "A1" }]);
});

test("changes it cannot apply give null: other groups, an unknown competitor, no results", () => {
  const twoGroups = { base: 40, groups: [{ category: "a", changed: [] }, { category: "b", changed: [] }] };
  assert.equal(applyChanges(held, twoGroups), null);
  const unknown = { base: 40, groups: [{ category: null, order: ["101", "102", "103", "104"], changed: [] }] };
  assert.equal(applyChanges(held, unknown), null);
  assert.equal(applyChanges(null, { base: 40, groups: [] }), null);
});
