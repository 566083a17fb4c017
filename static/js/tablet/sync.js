// The tablet's sync protocol, without the page (no document, no window): every mark goes into
// the outbox first (enqueue), is sent as `mark:submit` with an acknowledgement and a timeout
// (send), and leaves the outbox only when the server has answered it (settle): saved (also a
// replay or an unchanged value), or refused for good (conflict, locked, …). No answer, or a
// server_error, keeps it: the timer's next pass (drain) sends it again with the same id, which
// the server recognises. Socket.IO does not replay missed events, so every (re)connection
// joins the skill's panel (join), then catches up over HTTP from the last version seen
// (resync: …/marks?since=V), then drains.
//
// What it talks to is passed in: the Socket.IO socket (attach), an HTTP getter of JSON
// (get(url) -> Promise), the timers and the clock. It reports to the page through the `on`
// callbacks below; the protocol's state is on the Sync (connected, joined, …) and in the Store.
// docs/api.md, "Judging" describes the events and the answers.

import { newId as randomId } from "../outbox.js";
import { cellKey } from "./store.js";

export const ACK_TIMEOUT = 8000; // ms without an answer: the mark stays in the outbox, resent later
export const DRAIN_EVERY = 4000; // ms between two passes over the outbox
export const RESYNC_EVERY = 60000; // ms between two catch-up reads while connected
export const JOIN_RETRY = 2000; // ms before joining again when panel:join got no answer

// The page's callbacks; each is optional.
const QUIET = {
  change() {}, // anything may have changed: draw everything again
  cell(_cell) {}, // one cell changed (sending, or back to waiting)
  status() {}, // the connection or the outbox changed
  queued(_entry) {}, // a mark went into the outbox
  saved(_report) {}, // {entry, mark, value}: the server has it
  refused(_report) {}, // {entry, kind, message, error, value}: refused for good, dropped
  dispute(_event) {}, // a dispute opened on a cell the expert has marked
  lock(_event) {}, // a sub-criterion was signed off or unlocked
};

// A getter of JSON over HTTP for Sync's `get`: GET with the session's cookie, never cached.
// A 401 calls onUnauthorized (the session has ended) before the promise is rejected.
export function jsonGetter(fetchImpl, { onUnauthorized = () => {} } = {}) {
  return async function getJson(url) {
    const response = await fetchImpl(url, {
      headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
    });
    let body = null;
    try { body = await response.json(); } catch { body = null; }
    if (response.status === 401) onUnauthorized();
    if (!response.ok) throw new Error((body && body.message) || `HTTP ${response.status}`);
    return body;
  };
}

export class Sync {
  // store: the Store; outbox: the Outbox (null read-only: nothing is sent); config: the page's
  // config (ref, api.marks); device: this tablet's label; get: url -> Promise of JSON;
  // timers: setTimeout and setInterval; now: () -> Date; newId: () -> a new idempotency key.
  constructor({ store, outbox = null, config, device = "", get, timers = globalThis,
                now = () => new Date(), newId = randomId, on = {} }) {
    Object.assign(this, { store, outbox, config, device, get, timers, now, newId });
    this.on = { ...QUIET, ...on };
    this.socket = null;
    this.connected = false;
    this.tried = false; // a connection was made or refused at least once
    this.joined = false;
    this.sessionEnded = false;
  }

  get inFlight() { return this.store.inFlight; }

  // The timers: the outbox is drained every DRAIN_EVERY, marks caught up every RESYNC_EVERY.
  start() {
    if (this.outbox) this.timers.setInterval(() => this.drain(), DRAIN_EVERY);
    this.timers.setInterval(() => { if (this.joined) this.resync().catch(() => {}); }, RESYNC_EVERY);
  }

  // The socket (connected or not): its connection and the panel's events.
  attach(socket) {
    const { store, on } = this;
    this.socket = socket;
    socket.on("connect", () => {
      this.connected = true;
      this.tried = true;
      on.status();
      this.join();
    });
    socket.on("disconnect", () => {
      this.connected = false;
      this.joined = false;
      this.inFlight.clear(); // their answers are lost: the entries wait for the next drain
      on.change();
    });
    socket.on("connect_error", (error) => {
      this.connected = false;
      this.tried = true;
      if (error && error.message === "unauthenticated") this.sessionEnded = true;
      on.status();
    });
    socket.on("marks", (event) => {
      if (!event || !Array.isArray(event.marks)) return;
      for (const mark of event.marks) store.applyMark(mark);
      on.change();
    });
    socket.on("dispute", (event) => {
      if (event && !store.ownSkill(event.skill)) return;
      if (store.applyDispute(event)) on.dispute(event);
      on.change();
    });
    socket.on("lock", (event) => {
      if (!event || !event.sub_criterion) return;
      if (!store.ownSkill(event.skill)) return;
      store.locked.set(event.sub_criterion, Boolean(event.locked));
      on.lock(event);
      on.change();
    });
  }

  // Back on the network: try now, not after the rest of the reconnection back-off.
  online() {
    const { socket } = this;
    if (socket && !socket.connected) {
      socket.disconnect();
      socket.connect();
    }
    this.drain();
  }

  // The server said the session has ended (HTTP 401): kept until the expert logs in again.
  endSession() {
    this.sessionEnded = true;
    this.on.status();
  }

  // --- the outbox ------------------------------------------------------------------------------

  // A new value (null: withdrawn) for the expert's cell; goes out now if it can.
  enqueue(aspect, competitor, value, reason) {
    const { outbox, store } = this;
    const cell = cellKey(aspect.code, competitor.code);
    const entries = outbox.forCell(cell);
    const last = entries[entries.length - 1];
    let base = 0;
    let follows = false;
    if (last && !last.tried && !this.inFlight.has(last.id)) {
      // Not sent yet: the new value takes its place (with the base it was made against).
      outbox.remove(last.id);
      ({ base, follows } = last);
    } else if (last) {
      follows = true; // its base is the revision the earlier entry will create
    } else {
      const mark = store.myMark(aspect, competitor);
      base = mark ? mark.revision : 0;
    }
    const entry = outbox.add({
      id: this.newId(), cell, skill: this.config.ref, competitor: competitor.code, aspect: aspect.code,
      value, base, follows, reason: reason || "", device: this.device, at: this.now().toISOString(), tried: false,
    });
    store.refused.delete(cell);
    this.on.queued(entry);
    this.drain();
    return entry;
  }

  // Sends the oldest entry of each cell that is not on its way already.
  drain() {
    if (!this.outbox) return;
    if (!this.socket || !this.socket.connected || !this.joined) { this.on.status(); return; }
    for (const entry of this.outbox.heads()) {
      if (!this.inFlight.has(entry.id)) this.send(entry);
    }
    this.on.status();
  }

  send(entry) {
    const { outbox, store } = this;
    let { base } = entry;
    if (entry.follows) {
      // Its predecessor's answer was lost with the page: the best base known now.
      const aspect = store.scheme.aspects.get(entry.aspect);
      const competitor = store.scheme.byCode.get(entry.competitor);
      const mark = aspect && competitor ? store.myMark(aspect, competitor) : null;
      base = mark ? mark.revision : 0;
    }
    const payload = {
      id: entry.id, skill: entry.skill, competitor: entry.competitor, aspect: entry.aspect,
      value: entry.value, base, reason: entry.reason || "", device: entry.device || this.device,
    };
    this.inFlight.add(entry.id);
    if (!entry.tried) outbox.update(entry.id, { tried: true });
    this.socket.timeout(ACK_TIMEOUT).emit("mark:submit", payload, (error, answer) => {
      this.inFlight.delete(entry.id);
      if (error || !answer) { // no answer: kept, resent with the same id
        this.on.cell(entry.cell);
        this.on.status();
        return;
      }
      this.settle(entry, answer);
    });
    this.on.cell(entry.cell);
  }

  // What the server's answer to an entry means.
  settle(entry, answer) {
    const { outbox, store, on } = this;
    if (!outbox.get(entry.id)) return; // answered already (a duplicate answer)
    const aspect = store.scheme.aspects.get(entry.aspect);
    if (answer.ok) {
      // Written now, or a replay of a lost answer, or the value the cell holds already.
      outbox.remove(entry.id);
      if (answer.mark) store.applyMark(answer.mark);
      const next = outbox.forCell(entry.cell)[0];
      if (next && next.follows) {
        outbox.update(next.id, { follows: false, base: answer.mark ? answer.mark.revision : next.base });
      }
      if (answer.dispute && store.applyDispute(answer.dispute)) on.dispute(answer.dispute);
      store.refused.delete(entry.cell);
      on.saved({ entry, mark: answer.mark || null, value: answer.mark ? answer.mark.value : entry.value });
    } else if (answer.error === "unauthenticated") {
      this.sessionEnded = true; // kept until the expert logs in again
    } else if (answer.error === "server_error") {
      // The server could not take it just now (its log says why): kept, and sent again with
      // the same id by the timer, as when no answer came.
      on.cell(entry.cell);
      on.status();
      return;
    } else {
      // Refused for good: not retried. The entries made after it in this cell go too: they
      // were corrections of a value the server did not take.
      for (const other of outbox.forCell(entry.cell)) outbox.remove(other.id);
      if (answer.mark) store.applyMark(answer.mark);
      const kind = answer.error === "conflict" ? "conflict"
        : (answer.error === "reason_required" ? "reason" : "rejected");
      const record = store.refuse(entry.cell, { kind, message: answer.message, value: entry.value, error: answer.error });
      if (answer.error === "locked" && aspect) store.locked.set(aspect.sub.code, true);
      on.refused({ entry, ...record });
    }
    on.change();
    this.drain();
  }

  // --- catching up -----------------------------------------------------------------------------

  // Every mark changed since the last complete read.
  async resync() {
    const { store, config } = this;
    const url = store.version === null ? config.api.marks : `${config.api.marks}?since=${store.version}`;
    const answer = await this.get(url);
    for (const mark of answer.marks || []) store.applyMark(mark);
    if (typeof answer.version === "number") store.version = answer.version;
    this.on.change();
  }

  // The page is shown again: catch up, then send what waits.
  catchUp() {
    if (!this.joined) return;
    this.resync().catch(() => {}).finally(() => this.drain());
  }

  // Joins the skill's panel (its events), then catches up and drains. No answer: again soon.
  join() {
    const { socket, store, on } = this;
    if (!socket || !socket.connected) return;
    socket.timeout(ACK_TIMEOUT).emit("panel:join", { skill: this.config.ref }, async (error, answer) => {
      if (error || !answer) { this.timers.setTimeout(() => this.join(), JOIN_RETRY); return; }
      if (!answer.ok) {
        if (answer.error === "unauthenticated") this.sessionEnded = true;
        on.status();
        return;
      }
      this.sessionEnded = false;
      this.joined = true;
      for (const mark of answer.marks || []) store.applyMark(mark);
      store.applyLocks(answer.locks);
      if (Array.isArray(answer.disputes)) {
        store.disputes.clear();
        for (const dispute of answer.disputes) {
          const event = { ...dispute, open: true };
          if (store.applyDispute(event)) on.dispute(event);
        }
      }
      try { await this.resync(); } catch { /* the next pass catches up */ }
      on.change();
      this.drain();
    });
  }

  // What the connection line says, as data.
  status() {
    return {
      sessionEnded: this.sessionEnded, connected: this.connected, tried: this.tried,
      joined: this.joined, sending: this.inFlight.size, waiting: this.outbox ? this.outbox.size : 0,
      memoryOnly: Boolean(this.outbox && this.outbox.memoryOnly),
    };
  }
}
