// Fakes for the tablet's unit tests (node --test, no browser): a clock whose timers run only
// when a test advances it, a Socket.IO client socket whose acknowledgements time out on that
// clock, a Map-backed localStorage, an HTTP getter whose answers a test holds or gives, and a
// tablet of skill 10 wired from the real Store, Outbox and Sync.

import { Outbox } from "../../static/js/outbox.js";
import { Store } from "../../static/js/tablet/store.js";
import { Sync } from "../../static/js/tablet/sync.js";

export class FakeClock {
  constructor() {
    this.time = 0;
    this.timers = new Map();
    this.nextId = 1;
  }

  setTimeout(fn, ms = 0) {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, fn, every: 0 });
    return id;
  }

  setInterval(fn, ms) {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, fn, every: ms });
    return id;
  }

  clearTimeout(id) { this.timers.delete(id); }

  clearInterval(id) { this.timers.delete(id); }

  // Runs every timer due in the next `ms`, in time order (then in the order they were set).
  advance(ms) {
    const end = this.time + ms;
    for (;;) {
      let due = null;
      for (const [id, timer] of this.timers) {
        if (timer.at <= end && (!due || timer.at < due[1].at)) due = [id, timer];
      }
      if (!due) break;
      const [id, timer] = due;
      this.time = timer.at;
      if (timer.every) timer.at += timer.every;
      else this.timers.delete(id);
      timer.fn();
    }
    this.time = end;
  }

  now() { return new Date(Date.UTC(2026, 10, 26, 9, 0, 0) + this.time); }
}

// The client side of a Socket.IO socket as Sync uses it: on, connected, connect, disconnect,
// timeout(ms).emit(event, payload, ack). The test plays the server: it answers a call, lets
// its timeout run out on the clock, or fires an event.
export class FakeSocket {
  constructor(clock) {
    this.clock = clock;
    this.connected = false;
    this.handlers = new Map();
    this.calls = [];
    this.log = [];
  }

  on(event, handler) {
    this.handlers.set(event, handler);
    return this;
  }

  fire(event, ...args) {
    const handler = this.handlers.get(event);
    if (handler) handler(...args);
  }

  serverAccepts() {
    this.connected = true;
    this.fire("connect");
  }

  drops() {
    this.connected = false;
    this.fire("disconnect", "transport close");
  }

  connect() { this.log.push("connect"); return this; }

  disconnect() {
    this.log.push("disconnect");
    this.connected = false;
    return this;
  }

  timeout(ms) {
    return {
      emit: (event, payload, ack) => {
        const call = { event, payload, ms, settled: false, timedOut: false };
        const finish = (...args) => {
          if (call.settled) return;
          call.settled = true;
          this.clock.clearTimeout(call.timer);
          ack(...args);
        };
        call.timer = this.clock.setTimeout(() => {
          call.timedOut = true;
          finish(new Error("operation has timed out"));
        }, ms);
        call.answer = (answer) => finish(null, answer);
        // An answer that arrives after the call was settled (Socket.IO drops it; a test may
        // still want to see that Sync ignores one).
        call.answerLate = (answer) => ack(null, answer);
        this.calls.push(call);
      },
    };
  }

  sent(event) { return this.calls.filter((call) => call.event === event); }

  waiting(event) { return this.sent(event).filter((call) => !call.settled); }
}

export function memoryStorage(initial = {}) {
  const map = new Map(Object.entries(initial));
  return {
    map,
    getItem: (key) => (map.has(key) ? map.get(key) : null),
    setItem: (key, value) => { map.set(key, String(value)); },
    removeItem: (key) => { map.delete(key); },
  };
}

// GET over HTTP: each call waits until the test answers it (or answers at once with `auto`).
export class FakeHttp {
  constructor() {
    this.calls = [];
    this.auto = null; // url -> body, to answer every call at once
  }

  get = (url) => new Promise((resolve, reject) => {
    const call = { url, resolve, reject };
    this.calls.push(call);
    if (this.auto) resolve(this.auto(url));
  });

  last() { return this.calls[this.calls.length - 1]; }
}

// Every macrotask and microtask queued so far has run (the ack handlers await the resync).
export const flush = () => new Promise((resolve) => { setImmediate(resolve); });

export const CONFIG = {
  ref: "10", skill: "10", championship: "vko-ws-2026", user: 42, login: "judge-e05", expert: "E05",
  role: "expert", readOnly: false, day: "C1", login_url: "/login",
  api: { skill: "/api/v1/skills/10", marks: "/api/v1/skills/10/marks" },
};

export const OUTBOX_KEY = "competition:outbox:v1:42:vko-ws-2026/10";

export const SKILL = {
  ref: "10", code: "10", judges_per_aspect: 3,
  criteria: [{
    code: "B",
    sub_criteria: [{
      code: "B1", name: "Welding", day: "C1", locked: false,
      aspects: [
        { code: "B1.1", type: "M", max: "2.00", values: ["0.00", "1.00", "2.00"] },
        { code: "B1.5", type: "J", max: "3.00", values: [0, 1, 2, 3] },
      ],
    }],
  }],
  competitors: [
    { code: "101", name: "Aida", organization: "UKSTK", status: "active" },
    { code: "106", name: "Bolat", organization: "ZCPO", status: "active" },
  ],
  experts: [{ code: "E05", organization: "ZCPO", marking_team: "" }],
};

// A mark as the server gives it (docs/api.md).
export function serverMark(fields) {
  return {
    skill: "10", aspect: "B1.1", competitor: "101", judge: null, value: "2.00", revision: 1,
    version: 1, by: "judge-e05", at: "2026-11-26T09:00:01Z", device: "tablet t1", reason: "",
    ...fields,
  };
}

// A tablet of judge E05 on skill 10: the real Store, Outbox and Sync on the fakes above. What
// Sync reports is in `events` ([name, report]).
export function makeTablet({ storage = memoryStorage(), t = (key) => `t:${key}` } = {}) {
  const clock = new FakeClock();
  const socket = new FakeSocket(clock);
  const http = new FakeHttp();
  const outbox = new Outbox(CONFIG.user, `${CONFIG.championship}/${CONFIG.skill}`, storage);
  const store = new Store({ config: CONFIG, t, outbox });
  store.setup(SKILL);
  const events = [];
  const record = (name) => (report) => { events.push([name, report]); };
  let ids = 0;
  const sync = new Sync({
    store, outbox, config: CONFIG, device: "tablet t1", get: http.get, timers: clock,
    now: () => clock.now(), newId: () => `mark-${++ids}`,
    on: {
      change: record("change"), cell: record("cell"), status: record("status"),
      queued: record("queued"), saved: record("saved"), refused: record("refused"),
      dispute: record("dispute"), lock: record("lock"),
    },
  });
  sync.start();
  const aspect = (code) => store.scheme.aspects.get(code);
  const competitor = (code) => store.scheme.byCode.get(code);
  const reported = (name) => events.filter(([n]) => n === name).map(([, report]) => report);
  const stored = () => JSON.parse(storage.map.get(OUTBOX_KEY) || "null");
  return { clock, socket, http, outbox, store, sync, storage, events, aspect, competitor, reported, stored };
}

// The tablet connected and joined to the panel (with `join` as the join's answer), caught up.
export async function joined(tablet, join = {}) {
  const { socket, sync, http } = tablet;
  http.auto = () => ({ marks: [], version: tablet.store.version ?? 0 });
  sync.attach(socket);
  socket.serverAccepts();
  socket.waiting("panel:join").at(-1).answer({ ok: true, marks: [], locks: [], disputes: [], ...join });
  await flush();
  return tablet;
}
