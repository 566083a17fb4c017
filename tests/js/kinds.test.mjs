// Aspect kinds on the tablet (static/js/tablet/kinds.js, docs/scheme.md): the mark of a count of
// errors is max − count × step, exact in hundredths and never below the floor; levels and
// yes/no give one button per allowed mark.
// Run: node --test tests/js/*.test.mjs (make test-js).

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  centsText, deductionMark, deductionText, errorsOf, hasKind, kindChoices, maxErrors, toCents,
} from "../../static/js/tablet/kinds.js";

const format = (template, values) => template.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
const t = (key, values = {}) => format({
  kind_result: "{max} − {count} × {step} = {mark}",
  kind_result_floor: "{max} − {count} × {step}, not below {floor}: {mark}",
  kind_yes: "Yes ({max})", kind_no: "No (0)",
}[key] || key, values);
const shown = (_aspect, value) => value;

const deduction = (max, step, floor = "0.00") => ({
  type: "M", max, kind: "deduction", kind_params: { step, floor },
});

test("hundredths are exact", () => {
  assert.equal(toCents("0.29"), 29);
  assert.equal(toCents("1,5"), 150);
  assert.equal(centsText(170), "1.70");
  assert.equal(centsText(5), "0.05");
  assert.equal(centsText(0), "0.00");
});

test("a count of errors gives max − count × step, clamped at the floor", () => {
  const aspect = deduction("2.00", "0.25");
  assert.equal(deductionMark(aspect, 0), "2.00");
  assert.equal(deductionMark(aspect, 3), "1.25");
  assert.equal(deductionMark(aspect, 8), "0.00");
  assert.equal(deductionMark(aspect, 20), "0.00");
  assert.equal(deductionMark(aspect, -2), "2.00");
  assert.equal(maxErrors(aspect), 8);
  const floored = deduction("2.00", "0.30", "0.50");
  assert.equal(deductionMark(floored, 3), "1.10");
  assert.equal(deductionMark(floored, 5), "0.50"); // 2.00 − 1.50 = 0.50
  assert.equal(deductionMark(floored, 6), "0.50"); // 0.20 would be below the floor
  assert.equal(maxErrors(floored), 5);
  assert.equal(deductionMark(deduction("1.00", "0.10"), 3), "0.70"); // not 0.7000000001
});

test("every mark the stepper gives is one the server allows", () => {
  // the server's allowed values: {max − k·step while ≥ floor} ∪ {floor}
  const aspect = deduction("1.00", "0.30", "0.00");
  const allowed = new Set(["1.00", "0.70", "0.40", "0.10", "0.00"]);
  for (let count = 0; count <= maxErrors(aspect); count += 1) {
    assert.ok(allowed.has(deductionMark(aspect, count)), deductionMark(aspect, count));
  }
});

test("an entered mark is shown again as its count of errors", () => {
  const aspect = deduction("2.00", "0.25");
  assert.equal(errorsOf(aspect, "1.25"), 3);
  assert.equal(errorsOf(aspect, 2), 0);
  assert.equal(errorsOf(aspect, null), 0);
  assert.equal(errorsOf(deduction("2.00", "0.30", "0.50"), "0.50"), 5);
});

test("the sum reads as the expert counts", () => {
  const aspect = deduction("2.00", "0.25");
  assert.equal(deductionText(aspect, 3, t, shown), "2.00 − 3 × 0.25 = 1.25");
  assert.equal(deductionText(deduction("2.00", "0.30", "0.50"), 6, t, shown),
    "2.00 − 6 × 0.30, not below 0.50: 0.50");
});

test("levels and yes/no are one button per allowed mark", () => {
  const levels = {
    type: "M", max: "1.00", kind: "discrete", kind_params: { levels: [
      { value: "0.00", label: { ru: "нет", kk: "жоқ", en: "no" } },
      { value: "0.50", label: { ru: "частично", kk: "", en: "partly" } },
      { value: "1.00", label: { ru: "да", kk: "", en: "" } }] },
  };
  assert.deepEqual(kindChoices(levels, "kk", t).map((c) => [c.value, c.label]),
    [["0.00", "жоқ"], ["0.50", "частично"], ["1.00", "да"]]);
  const binary = { type: "M", max: "1.5", kind: "binary", kind_params: null };
  assert.deepEqual(kindChoices(binary, "en", t).map((c) => [c.value, c.label]),
    [["1.50", "Yes (1.50)"], ["0.00", "No (0)"]]);
  assert.ok(hasKind(levels) && hasKind(binary) && hasKind(deduction("1", "0.5")));
  assert.ok(!hasKind({ type: "M", kind: "marks" }) && !hasKind({ type: "J", kind: "marks" }));
});
