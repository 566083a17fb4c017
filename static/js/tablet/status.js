// The tablet's connection line (#connection: online, sending, waiting, offline, log in again,
// with how many marks wait on the tablet) and its announcer (#announcer, a polite live region).
// What it says comes from Sync.status(); `view` is the page's shared context (tablet.js).

import { byId } from "./dom.js";

export function createStatus(view) {
  const { t, config, store } = view;
  let lastStatus = "";

  function render() {
    const s = view.sync.status();
    const kept = s.waiting ? ` · ${t("conn_waiting", { n: s.waiting })}` : "";
    let kind;
    let text;
    if (s.sessionEnded) [kind, text] = ["login", t("conn_login")];
    else if (!s.connected && !s.tried) [kind, text] = ["connecting", t("conn_connecting") + kept];
    else if (!s.connected) [kind, text] = ["offline", t("conn_offline") + kept];
    else if (!s.joined) [kind, text] = ["connecting", t("conn_connecting") + kept];
    else if (store.readOnly) [kind, text] = ["online", t("conn_online")];
    else if (s.sending) [kind, text] = ["sending", t("conn_sending", { n: s.sending })];
    else if (s.waiting) [kind, text] = ["waiting", t("conn_online") + kept];
    else [kind, text] = ["online", `${t("conn_online")} · ${t("conn_saved")}`];
    if (s.memoryOnly) text += ` · ${t("storage_failed")}`;
    show(kind, text);
  }

  function show(kind, text) {
    const node = byId("connection");
    if (`${kind}|${text}` === lastStatus) return;
    lastStatus = `${kind}|${text}`;
    node.dataset.state = kind;
    const label = node.querySelector(".connection-text");
    label.textContent = text;
    node.querySelector(".connection-login")?.remove();
    if (kind === "login") {
      const link = document.createElement("a");
      link.className = "connection-login";
      link.href = config.login_url;
      link.textContent = t("log_in");
      node.append(" ", link);
    }
  }

  function announce(text) {
    const node = byId("announcer");
    node.textContent = "";
    window.setTimeout(() => { node.textContent = text; }, 30);
  }

  return { render, announce };
}
