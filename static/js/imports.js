// Import pages: a progress bar while a file is checked, and on the import's own page while the
// import worker imports it (pushed over Socket.IO; "working…" if the socket cannot connect),
// then that page leaves for the result; only the championship / skill fields the chosen kind
// of list needs. The pages work without this.

import { followProgress, watch, working } from "./progress.js";

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

// `follow`: the answer comes when the work is done (the preview), so the bar follows the task
// meanwhile; the confirmation answers at once with the import's page, which follows it.
function announceWork(form, follow = true) {
  const status = document.getElementById("import-status");
  if (!status || !form.dataset.working) return;
  let sending = false;
  form.addEventListener("submit", (event) => {
    if (sending) { event.preventDefault(); return; } // already on its way
    const button = form.querySelector("button[type=submit]");
    // Disabled after the submission has started, so that it is not sent twice.
    window.setTimeout(() => { if (button) button.disabled = true; }, 0);
    // Until progress arrives (or without it): "working…" with an indeterminate bar.
    const fallback = window.setTimeout(() => working(form, status), 300);
    const task = form.querySelector('[name="task"]')?.value;
    if (!task || !follow) return;
    event.preventDefault();
    sending = true;
    watch(task).then((socket) => {
      if (socket) {
        window.clearTimeout(fallback);
        working(form, status);
        followProgress(socket, form, status, task);
      }
      form.submit(); // a normal navigation: the page keeps listening until the answer comes
    });
  });
}

const importForm = document.getElementById("import-form");
if (importForm) {
  showScope(importForm);
  announceWork(importForm);
}
const confirmForm = document.getElementById("confirm-form");
if (confirmForm) announceWork(confirmForm, false);

// The import's own page: the bar follows the worker; when it ends (the last event says so, or
// the job's state, asked every two seconds in case the socket missed it), the page is loaded
// again, and the server sends on to the result or shows the errors.
const POLL = 2000;

async function followJob(section) {
  const status = document.getElementById("import-status");
  const task = section.dataset.task;
  let leaving = false;
  const leave = () => {
    if (leaving) return;
    leaving = true;
    window.location.replace(section.dataset.pageUrl);
  };
  if (task) {
    watch(task).then((socket) => {
      if (!socket) return;
      working(section, status);
      followProgress(socket, section, status, task);
      socket.on("progress", (event) => { if (event && event.task === task && event.finished) leave(); });
    });
  }
  while (!leaving) {
    await new Promise((resolve) => { window.setTimeout(resolve, POLL); });
    try {
      const response = await fetch(section.dataset.stateUrl, { headers: { Accept: "application/json" } });
      if (response.ok && (await response.json()).status !== "running") leave();
    } catch (_error) {
      // the venue's network: ask again
    }
  }
}

const job = document.getElementById("import-job");
if (job) followJob(job);
for (const form of document.querySelectorAll("form.row-form")) {
  if (form.querySelector('[name="export-kind"]')) showScope(form, "export-");
}

// A form sent back with a problem (the export's): the page opens at it, and the problem has
// the focus, so that a screen reader reads it first. After the load: the browser's own move to
// the address's #fragment comes then, and would take the focus back.
const problem = document.querySelector("[data-focus]");
if (problem) {
  const show = () => window.setTimeout(() => {
    problem.scrollIntoView({ block: "center" });
    problem.focus();
  }, 0);
  if (document.readyState === "complete") show();
  else window.addEventListener("load", show, { once: true });
}
