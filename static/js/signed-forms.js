// The chief's page: the signed marking forms and protocols being printed (rendered in the
// background after a sign-off, competition/documents/signed_pdf.py). While a link is marked
// data-printing, ask /judging/<ref>/chief/forms.json once a second which PDFs are there, move
// each row's bar, and say once (role=status) when all of them are ready. The links work
// meanwhile: a PDF not printed yet is printed when it is opened.

const section = document.getElementById("signed-forms");

function pending() {
  return section ? [...section.querySelectorAll("a[data-printing]")] : [];
}

async function check() {
  let answer;
  try {
    const response = await fetch(section.dataset.formsUrl, {credentials: "same-origin",
                                                             headers: {Accept: "application/json"}});
    if (!response.ok) return;
    answer = await response.json();
  } catch {
    return; // offline for a moment: ask again
  }
  const ready = new Set(answer.forms.filter((form) => form.ready).map((form) => form.id));
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

if (pending().length) {
  const timer = setInterval(async () => {
    await check();
    if (!pending().length) clearInterval(timer);
  }, 1000);
}
