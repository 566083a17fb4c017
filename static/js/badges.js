// Expert badges: fetch the PDF in the background so the page can say "preparing…", move a
// progress bar with the server's steps (pushed over Socket.IO: progress.js), and then say
// "ready" (a plain form post shows nothing while the server renders). Without JavaScript the
// form posts normally and the browser downloads the PDF.
import { followProgress, watch } from "./progress.js";

const form = document.getElementById("badges-form");
const status = document.getElementById("badges-status");

function filenameOf(response) {
  const header = response.headers.get("Content-Disposition") || "";
  const match = /filename="([^"]+)"/.exec(header);
  return match ? match[1] : "badges.pdf";
}

if (form && status && window.fetch) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const buttons = form.querySelectorAll("button");
    buttons.forEach((button) => { button.disabled = true; });
    form.setAttribute("aria-busy", "true");
    status.textContent = form.dataset.preparing;
    const task = form.querySelector('[name="task"]')?.value;
    const socket = await watch(task);
    if (socket) followProgress(socket, form, status, task);
    try {
      const response = await fetch(form.action || window.location.href, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
      });
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok || !type.startsWith("application/pdf")) {
        // The server explains what is wrong on its page: show it the ordinary way.
        // (A refused form issues no codes, so posting it again is safe.)
        form.submit();
        return;
      }
      const blob = await response.blob();
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = filenameOf(response);
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 60000);
      status.textContent = form.dataset.done
        .replace("{badges}", response.headers.get("X-Badges") || "?")
        .replace("{pages}", response.headers.get("X-Pages") || "?");
    } catch (error) {
      status.textContent = form.dataset.failed;
    } finally {
      if (socket) socket.close();
      buttons.forEach((button) => { button.disabled = false; });
      form.removeAttribute("aria-busy");
    }
  });
}
