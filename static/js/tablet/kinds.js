// How the value panel asks for a measurement (M) mark of each aspect kind (docs/scheme.md):
// "deduction" a count of errors with − / + (the mark max − count × step, never below the floor),
// "discrete" one labelled button per level, "binary" yes (max) / no (0). "marks" (and every
// judgement) keeps the panel's own buttons. Whatever the kind, the mark sent is a value of
// aspect.values, as the server checks it (GET /api/v1/skills/<ref>: kind, kind_params).
//
// The computations are pure (tests/js/kinds.test.mjs); renderKind builds the panel's part.

import { pickName } from "../text.js";

const KINDS = new Set(["deduction", "discrete", "binary"]);

// Decimal strings as whole hundredths, so 2.00 − 3 × 0.10 is exactly 1.70.
export function toCents(value) {
  return Math.round(Number(String(value ?? "0").replace(",", ".")) * 100);
}

export function centsText(cents) {
  const sign = cents < 0 ? "-" : "";
  const whole = Math.abs(cents);
  return `${sign}${Math.floor(whole / 100)}.${String(whole % 100).padStart(2, "0")}`;
}

// Whether the aspect is asked for by its kind (else: the panel's list of values).
export function hasKind(aspect) {
  return Boolean(aspect) && aspect.type === "M" && KINDS.has(aspect.kind);
}

function deduction(aspect) {
  const params = aspect.kind_params || {};
  return { top: toCents(aspect.max), step: toCents(params.step), floor: toCents(params.floor || 0) };
}

// The count of errors that takes the mark down to the floor: the stepper's maximum.
export function maxErrors(aspect) {
  const { top, step, floor } = deduction(aspect);
  if (step <= 0) return 0;
  return Math.ceil((top - floor) / step);
}

// The mark for `count` errors: max − count × step, never below the floor ("0.00" form).
export function deductionMark(aspect, count) {
  const { top, step, floor } = deduction(aspect);
  const errors = Math.max(0, Math.floor(Number(count) || 0));
  return centsText(Math.max(floor, top - errors * step));
}

// The count of errors a mark stands for (an entered mark shown again); 0 for none.
export function errorsOf(aspect, value) {
  if (value === null || value === undefined) return 0;
  const { top, step, floor } = deduction(aspect);
  const cents = toCents(value);
  if (step <= 0) return 0;
  if (cents <= floor) return maxErrors(aspect);
  return Math.max(0, Math.round((top - cents) / step));
}

// The sum as the expert reads it: "2.00 − 3 × 0.25 = 1.25" (the floor named when it stops it).
export function deductionText(aspect, count, t, shown) {
  const { top, step, floor } = deduction(aspect);
  const mark = deductionMark(aspect, count);
  const values = {
    max: shown(aspect, centsText(top)), count: Math.max(0, Math.floor(Number(count) || 0)),
    step: shown(aspect, centsText(step)), floor: shown(aspect, centsText(floor)), mark: shown(aspect, mark),
  };
  const stopped = top - values.count * step < floor;
  return t(stopped ? "kind_result_floor" : "kind_result", values);
}

// The buttons of a discrete or binary aspect: [{value, number, label}], ascending for levels,
// yes before no for binary.
export function kindChoices(aspect, lang, t) {
  if (aspect.kind === "binary") {
    const top = centsText(toCents(aspect.max));
    return [
      { value: top, number: top, label: t("kind_yes", { max: top }) },
      { value: "0.00", number: "0.00", label: t("kind_no") },
    ];
  }
  if (aspect.kind === "discrete") {
    return ((aspect.kind_params || {}).levels || []).map((level) => {
      const value = centsText(toCents(level.value));
      return { value, number: value, label: pickName(level.label, lang) };
    });
  }
  return [];
}

function element(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function renderDeduction(container, aspect, view, chosen) {
  const { t, shown } = view;
  const input = element("input", {
    id: "errors-count", type: "number", inputmode: "numeric", min: "0", max: String(maxErrors(aspect)),
    step: "1", "aria-describedby": "errors-result",
  });
  input.value = String(errorsOf(aspect, chosen));
  const fewer = element("button", { type: "button", class: "step", "aria-label": t("kind_fewer") },
    element("span", { "aria-hidden": "true", text: "−" }));
  const more = element("button", { type: "button", class: "step", "aria-label": t("kind_more") },
    element("span", { "aria-hidden": "true", text: "+" }));
  const result = element("p", { id: "errors-result", class: "errors-result", "aria-live": "polite" });
  const give = element("button", { type: "button", class: "value" });
  const count = () => Math.min(maxErrors(aspect), Math.max(0, Math.floor(Number(input.value) || 0)));
  function update() {
    const mark = deductionMark(aspect, count());
    result.textContent = deductionText(aspect, count(), t, shown);
    give.dataset.value = mark;
    give.replaceChildren(element("span", { class: "value-number", text: shown(aspect, mark) }),
      element("span", { class: "value-descriptor", text: t("kind_give") }));
    give.setAttribute("aria-label", t("kind_give_label", { mark: shown(aspect, mark), count: count() }));
  }
  fewer.addEventListener("click", () => { input.value = String(Math.max(0, count() - 1)); update(); });
  more.addEventListener("click", () => { input.value = String(Math.min(maxErrors(aspect), count() + 1)); update(); });
  input.addEventListener("input", update);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); input.value = String(count()); update(); give.click(); }
  });
  update();
  container.append(
    element("label", { for: "errors-count", class: "errors-label", text: t("kind_errors") }),
    element("div", { class: "stepper" }, fewer, input, more),
    result, give);
}

// Fills the panel's values (`container`) for an aspect with a kind; false when it has none (the
// panel then lists aspect.values as before). `info` is the open cell (store.cellInfo).
export function renderKind(container, aspect, view, info) {
  if (!hasKind(aspect)) return false;
  container.classList.add(`kind-${aspect.kind}`);
  if (aspect.kind === "deduction") {
    const chosen = info && info.pending && info.pending.length ? info.value
      : (info && info.mark && info.mark.value !== null ? info.mark.value : null);
    renderDeduction(container, aspect, view, chosen);
    return true;
  }
  for (const choice of kindChoices(aspect, view.lang, view.t)) {
    const button = element("button", { type: "button", class: "value" },
      element("span", { class: "value-number", text: view.shown(aspect, choice.number) }),
      element("span", { class: "value-descriptor", text: choice.label }));
    button.dataset.value = choice.value;
    button.setAttribute("aria-label", view.t("kind_level", { value: view.shown(aspect, choice.number), label: choice.label }));
    container.append(button);
  }
  return true;
}
