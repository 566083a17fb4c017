// The marking scheme editor: live sums while maxima are typed, the M/J parts of the aspect
// form, and focus back on the moved item's button after a reorder.
// Sums are kept in whole hundredths (integers), so 0.1 + 0.2 is exactly 0.30 as on the server.

const HUNDRED = 10000; // 100.00 in hundredths

/** "1,5" or "1.50" -> 150; null when it is not a number with at most 2 decimals. */
export function toCents(text) {
  const value = String(text ?? "").trim().replace(/\s/g, "").replace(",", ".");
  const match = /^(\d+)(?:\.(\d{0,2}))?$/.exec(value);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0"));
}

/** 150 -> "1.50" */
export function fromCents(cents) {
  const sign = cents < 0 ? "-" : "";
  const whole = Math.abs(cents);
  return `${sign}${Math.floor(whole / 100)}.${String(whole % 100).padStart(2, "0")}`;
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");
}

function showTotal(panel, total) {
  const output = document.getElementById("scheme-total");
  const warning = document.getElementById("total-warning");
  if (output) output.value = output.textContent = fromCents(total);
  if (warning) {
    warning.hidden = total === HUNDRED;
    warning.textContent = fill(panel.dataset.warning || "", { total: fromCents(total) });
  }
}

function announcer(panel) {
  const live = document.getElementById("sums-live");
  let timer = null;
  return (code, sum, total) => {
    if (!live) return;
    clearTimeout(timer);
    // Wait for a pause in typing: a screen reader hears the result, not every keystroke.
    timer = setTimeout(() => {
      live.textContent = fill(panel.dataset.announce || "", {
        code, sum: fromCents(sum), total: fromCents(total),
      });
    }, 700);
  };
}

// --- the editor page: a table of maxima -------------------------------------------------------

function setUpEditor(panel) {
  const inputs = [...document.querySelectorAll("input[data-max]")];
  if (!inputs.length) return;
  const announce = announcer(panel);

  function recompute(changed) {
    const criteria = new Map();
    const subs = new Map();
    let total = 0;
    for (const input of inputs) {
      const cents = toCents(input.value);
      input.classList.toggle("invalid-number", cents === null);
      const value = cents ?? 0;
      criteria.set(input.dataset.criterion, (criteria.get(input.dataset.criterion) || 0) + value);
      subs.set(input.dataset.sub, (subs.get(input.dataset.sub) || 0) + value);
      total += value;
    }
    for (const output of document.querySelectorAll("output[data-criterion-sum]")) {
      const sum = criteria.get(output.dataset.criterionSum) || 0;
      output.value = output.textContent = fromCents(sum);
    }
    for (const output of document.querySelectorAll("output[data-sub-sum]")) {
      const sum = subs.get(output.dataset.subSum) || 0;
      output.value = output.textContent = fromCents(sum);
    }
    showTotal(panel, total);
    if (changed) {
      const section = changed.closest("section[data-criterion]");
      const code = section ? section.dataset.code : "";
      announce(code, criteria.get(changed.dataset.criterion) || 0, total);
    }
  }

  for (const input of inputs) {
    input.addEventListener("input", () => recompute(input));
  }
  recompute(null);
}

// --- the aspect form: one maximum, its criterion's sum, the total -----------------------------

function setUpAspectForm(panel) {
  const form = document.getElementById("aspect-form");
  const data = JSON.parse(document.getElementById("scheme-rest")?.textContent || "null");
  if (!form || !data) return;
  const max = form.querySelector("[data-aspect-max]");
  const sub = form.querySelector("select[name=sub_criterion_id]");
  const codeLabel = document.getElementById("sum-criterion-code");
  const criterionOutput = document.getElementById("criterion-sum");
  const announce = announcer(panel);

  function recompute(announceIt) {
    const typed = toCents(max.value) ?? 0;
    const criterion = data.criteria[data.subs[sub?.value]] || { code: "", rest: "0" };
    const criterionSum = toCents(criterion.rest) + typed;
    const total = toCents(data.total) + typed;
    codeLabel.textContent = criterion.code;
    criterionOutput.value = criterionOutput.textContent = fromCents(criterionSum);
    showTotal(panel, total);
    if (announceIt) announce(criterion.code, criterionSum, total);
  }

  max.addEventListener("input", () => recompute(true));
  sub?.addEventListener("change", () => recompute(true));
  recompute(false);

  // Show the measurement or the judgement part of the form, as the type says.
  const radios = [...form.querySelectorAll("input[data-type-choice]")];
  function showType() {
    const type = radios.find((radio) => radio.checked)?.value;
    for (const part of form.querySelectorAll("[data-for-type]")) {
      part.hidden = Boolean(type) && part.dataset.forType !== type;
    }
  }
  for (const radio of radios) radio.addEventListener("change", showType);
  showType();

  // A measurement's kind: show the settings of the chosen one only.
  const kinds = [...form.querySelectorAll("input[data-kind-choice]")];
  function showKind() {
    const kind = kinds.find((radio) => radio.checked)?.value || "marks";
    for (const part of form.querySelectorAll("[data-for-kind]")) {
      part.hidden = part.dataset.forKind !== kind;
    }
  }
  for (const radio of kinds) radio.addEventListener("change", showKind);
  showKind();
}

// --- after a move: the focus goes back to the button that was pressed -------------------------

function restoreFocus() {
  const id = new URLSearchParams(window.location.search).get("focus");
  const target = id && document.getElementById(id);
  if (target) {
    target.focus();
    target.scrollIntoView({ block: "center" });
  }
}

const summary = document.querySelector(".scheme-summary");
if (summary) setUpEditor(summary);
const sumsPanel = document.querySelector(".sums-panel");
if (sumsPanel) setUpAspectForm(sumsPanel);
restoreFocus();
