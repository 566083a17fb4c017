// Import page: say "working…" while a file is checked or imported, and show only the
// championship / skill fields the chosen kind of list needs. The page works without this.

const SCOPES = {
  organizations: { championship: false, skill: false },
  experts: { championship: true, skill: false },
  competitors: { championship: true, skill: true },
  scheme: { championship: true, skill: true },
};

function fieldOf(select) {
  return select ? select.closest(".field") : null;
}

function showScope(form, prefix = "") {
  const kind = form.querySelector(`[name="${prefix}kind"]`);
  const championship = form.querySelector(`[name="${prefix}championship"]`);
  const skill = form.querySelector(`[name="${prefix}skill"]`);
  if (!kind || !championship || !skill) return;
  const update = () => {
    const scope = SCOPES[kind.value] || { championship: true, skill: true };
    fieldOf(championship).hidden = !scope.championship;
    fieldOf(skill).hidden = !scope.skill;
    // Only the skills of the chosen championship are offered.
    const chosen = championship.value;
    for (const option of skill.options) {
      if (!option.value) continue;
      const matches = !chosen || option.value.startsWith(`${chosen}/`);
      option.hidden = !matches;
      option.disabled = !matches;
    }
    if (skill.selectedOptions.length && skill.selectedOptions[0].disabled) skill.value = "";
  };
  kind.addEventListener("change", update);
  championship.addEventListener("change", update);
  update();
}

function announceWork(form) {
  const status = document.getElementById("import-status");
  if (!status || !form.dataset.working) return;
  form.addEventListener("submit", () => {
    const button = form.querySelector("button[type=submit]");
    // Disabled after the submission has started, so that it is not sent twice.
    window.setTimeout(() => { if (button) button.disabled = true; }, 0);
    window.setTimeout(() => {
      status.textContent = form.dataset.working;
      const bar = document.createElement("progress");
      bar.setAttribute("aria-hidden", "true");
      status.append(" ", bar);
    }, 300);
  });
}

const importForm = document.getElementById("import-form");
if (importForm) {
  showScope(importForm);
  announceWork(importForm);
}
const confirmForm = document.getElementById("confirm-form");
if (confirmForm) announceWork(confirmForm);
for (const form of document.querySelectorAll("form.row-form")) {
  if (form.querySelector('[name="export-kind"]')) showScope(form, "export-");
}
