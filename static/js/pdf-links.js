// Links to PDFs the server prints on request (result sheets, marking forms, the medal table,
// signed forms, personal data): a sheet can take several seconds, and a plain link gave no sign
// of work, so people clicked twice. Here a click fetches the PDF itself: the link says it is
// busy (aria-busy, a progress bar and words, role=status), further clicks wait for the same
// answer, and the PDF is then saved under the server's file name. An error is said beside the
// link (role=alert) with the server's own message. Modifier clicks (new tab) stay the browser's.

const root = document.getElementById("pdf-strings");
const strings = root ? JSON.parse(root.textContent) : {};

function fileName(response, url) {
  const header = response.headers.get("Content-Disposition") || "";
  const found = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(header);
  if (found) return decodeURIComponent(found[1]);
  return url.pathname.split("/").pop() || "document.pdf";
}

async function errorText(response) {
  try {
    const type = response.headers.get("Content-Type") || "";
    if (type.includes("json")) return (await response.json()).message || "";
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const selector of ["main [role=alert]", "main .flash", "main p", "main h1"]) {
      const found = page.querySelector(selector);
      if (found) return found.textContent.trim();
    }
    return "";
  } catch {
    return "";
  }
}

function note(link) {
  let box = link.nextElementSibling;
  if (!box || !box.classList.contains("pdf-note")) {
    box = document.createElement("span");
    box.className = "pdf-note";
    link.after(box);
  }
  return box;
}

function say(link, kind, text) {
  const box = note(link);
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  box.dataset.state = kind;
  box.replaceChildren();
  if (kind === "busy") {
    const bar = document.createElement("progress");
    bar.setAttribute("aria-hidden", "true");
    box.append(bar, " ");
  }
  box.append(text);
}

async function fetchPdf(link) {
  const url = new URL(link.href, window.location.href);
  link.setAttribute("aria-busy", "true");
  say(link, "busy", strings.preparing || "…");
  try {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok || !(response.headers.get("Content-Type") || "").includes("pdf")) {
      say(link, "error", (await errorText(response)) || strings.failed || String(response.status));
      return;
    }
    const blob = await response.blob();
    const address = URL.createObjectURL(blob);
    const save = document.createElement("a");
    save.href = address;
    save.download = fileName(response, url);
    document.body.append(save);
    save.click();
    save.remove();
    window.setTimeout(() => URL.revokeObjectURL(address), 60_000);
    say(link, "done", strings.ready || "");
  } catch {
    say(link, "error", strings.offline || "");
  } finally {
    link.removeAttribute("aria-busy");
  }
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-pdf]");
  if (!link || event.defaultPrevented || event.button !== 0
      || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  if (link.getAttribute("aria-busy") === "true") return; // the first click's answer is coming
  fetchPdf(link);
});
