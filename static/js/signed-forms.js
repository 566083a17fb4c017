// The chief's page: the signed marking forms and protocols being printed (rendered in the
// background after a sign-off, competition/documents/signed_pdf.py). The server says over the
// page's socket (chief.js passes it on as a "forms-printed" event) when each PDF is kept: each
// row's bar moves and the page says once (role=status) when all of them are ready. Without the
// socket (venue Wi-Fi), ask /judging/<ref>/chief/forms.json every two seconds instead. The
// links work meanwhile: a PDF not printed yet is printed when it is opened.

const section = document.getElementById("signed-forms");

function pending() {
  return section ? [...section.querySelectorAll("a[data-printing]")] : [];
}

function show(ready) {
  for (const link of pending()) {
    if (ready.has(Number(link.dataset.formId))) link.removeAttribute("data-printing");
  }
  for (const note of section.querySelectorAll("[data-printing-note]")) {
    const cell = note.parentElement;
    const links = cell.querySelectorAll("a[data-form-id]");
    const waiting = cell.querySelectorAll("a[data-printing]").length;
    const bar = note.querySelector("progress");
    if (bar) bar.value = links.length - waiting;
    if (!waiting) note.remove();
  }
  if (!pending().length) {
    document.getElementById("signed-news").textContent = section.dataset.printed;
  }
}

async function ask() {
  try {
    const response = await fetch(section.dataset.formsUrl, {credentials: "same-origin",
                                                             headers: {Accept: "application/json"}});
    if (!response.ok) return;
    const answer = await response.json();
    show(new Set(answer.forms.filter((form) => form.ready).map((form) => form.id)));
  } catch {
    // offline for a moment: ask again
  }
}

if (pending().length) {
  let lastPush = 0;
  document.addEventListener("forms-printed", (event) => {
    lastPush = Date.now();
    show(new Set(event.detail.ids || []));
  });
  // The push may have come before this page was listening, or the socket may be away: ask
  // when nothing was pushed for a few seconds.
  const timer = setInterval(async () => {
    if (!pending().length) { clearInterval(timer); return; }
    if (Date.now() - lastPush > 4000) await ask();
  }, 2000);
}
