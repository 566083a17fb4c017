// The tablet's outbox: every mark is written here BEFORE it is sent, and leaves only when the
// server has answered it (saved, or refused for good). Kept in IndexedDB (Outbox.open), one
// list per user and skill, so a reload, a closed tab or a dropped Wi-Fi loses nothing; a mark
// resent after a lost answer carries the same id, which the server recognises (docs/api.md,
// `mark:submit`). The list is held in memory too, so that reading it is synchronous; every
// change is written through.
//
// The stored form is a contract with the tablets at the venue: the database `competition`,
// store `outbox`, holds under the key `competition:outbox:v1:<user>:<championship>/<skill>` a
// JSON array of entries {id, cell, skill, competitor, aspect, value, base, follows, reason,
// device, at, tried}; a new version of this page must read what an older one left unsent.
// Older pages kept that same array in localStorage under the same key: Outbox.open moves it
// into IndexedDB once (mergeLegacy), and removes it from localStorage only when IndexedDB has
// it. Without IndexedDB (forbidden, or broken) the outbox stays in localStorage, as before.
//
// `storage` (getItem/setItem) is the page's localStorage unless one is passed in (the unit
// tests pass a Map-backed one). localStorage itself is looked up only inside the try blocks:
// reading `window.localStorage` throws where the browser forbids storage.

const PREFIX = "competition:outbox:v1";
const DATABASE = "competition";
const STORE = "outbox";
const CHANNEL = "competition:outbox"; // tells the other tabs of this browser that a list changed

const pageStorage = () => globalThis.localStorage;

// A random idempotency key. crypto.randomUUID exists only in secure contexts (HTTPS or
// localhost): a venue server on plain http://10.0.0.5 does not have it, getRandomValues does.
export function newId() {
  const cryptoApi = globalThis.crypto;
  if (cryptoApi && typeof cryptoApi.randomUUID === "function") {
    try { return cryptoApi.randomUUID(); } catch { /* not a secure context: below */ }
  }
  const bytes = new Uint8Array(16);
  if (cryptoApi && typeof cryptoApi.getRandomValues === "function") {
    cryptoApi.getRandomValues(bytes);
  } else {
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = Math.floor(Math.random() * 256);
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// A label of this tablet, kept in its marks' history (stable across reloads).
export function deviceLabel(storage = null) {
  const key = "competition:device";
  try {
    const store = storage || pageStorage();
    let label = store.getItem(key);
    if (!label) {
      label = `tablet ${newId().slice(0, 6)}`;
      store.setItem(key, label);
    }
    return label;
  } catch {
    return "tablet";
  }
}

// The entries a stored list holds (anything else is dropped).
function entriesOf(stored) {
  return Array.isArray(stored) ? stored.filter((e) => e && typeof e.id === "string") : [];
}

// The list in IndexedDB, then what an older page left in localStorage and IndexedDB does not
// have yet (the same mark twice would be sent twice, with one id: the server answers the
// second as a replay, but the tablet need not ask).
export function mergeLegacy(stored, legacy) {
  const kept = entriesOf(stored);
  const ids = new Set(kept.map((e) => e.id));
  return [...kept, ...entriesOf(legacy).filter((e) => !ids.has(e.id))];
}

// IndexedDB's requests as promises.
function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

// Opened within OPEN_TIMEOUT or not at all (some browsers' private modes never answer): the page
// must start either way.
const OPEN_TIMEOUT = 3000;

function openDatabase(factory) {
  const request = factory.open(DATABASE, 1);
  request.onupgradeneeded = () => {
    if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE);
  };
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("IndexedDB did not answer")), OPEN_TIMEOUT);
  });
  return Promise.race([done(request), late]).finally(() => clearTimeout(timer));
}

function written(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

export class Outbox {
  constructor(user, skill, storage = null) {
    this.key = `${PREFIX}:${user}:${skill}`;
    this.storage = storage;
    this.entries = this.load();
    this.memoryOnly = false;
    this.database = null; // IndexedDB's, once Outbox.open has opened it
    this.channel = null;
    this.listeners = [];
  }

  // The outbox of the page: in IndexedDB where the browser has it (see the top of the file).
  static async open(user, skill, { indexedDB = globalThis.indexedDB, storage = null } = {}) {
    const outbox = new Outbox(user, skill, storage);
    if (!indexedDB) return outbox;
    try {
      const database = await openDatabase(indexedDB);
      const reading = database.transaction(STORE, "readonly");
      const stored = await done(reading.objectStore(STORE).get(outbox.key));
      const legacy = outbox.entries; // what localStorage holds (the constructor read it)
      outbox.entries = mergeLegacy(stored, legacy);
      outbox.database = database;
      if (legacy.length) {
        const writing = database.transaction(STORE, "readwrite");
        writing.objectStore(STORE).put(JSON.parse(JSON.stringify(outbox.entries)), outbox.key);
        await written(writing);
        try { (outbox.storage || pageStorage()).removeItem(outbox.key); } catch { /* stays */ }
      }
    } catch {
      outbox.database = null; // IndexedDB refused: localStorage, as before
      outbox.entries = outbox.load();
    }
    outbox.listen();
    return outbox;
  }

  // Another tab of the same user and skill changed the list: read it again, then `callback`.
  onChange(callback) { this.listeners.push(callback); }

  listen() {
    if (!this.database || typeof BroadcastChannel !== "function") return;
    this.channel = new BroadcastChannel(CHANNEL);
    this.channel.onmessage = async (event) => {
      if (!event.data || event.data.key !== this.key) return;
      await this.reloadStored();
      for (const callback of this.listeners) callback();
    };
  }

  async reloadStored() {
    try {
      const reading = this.database.transaction(STORE, "readonly");
      this.entries = entriesOf(await done(reading.objectStore(STORE).get(this.key)));
    } catch { /* keeps what it has */ }
  }

  load() {
    try {
      const stored = JSON.parse((this.storage || pageStorage()).getItem(this.key) || "[]");
      return Array.isArray(stored) ? stored.filter((e) => e && typeof e.id === "string") : [];
    } catch {
      return [];
    }
  }

  save() {
    if (this.database) { this.saveStored(); return; }
    try {
      (this.storage || pageStorage()).setItem(this.key, JSON.stringify(this.entries));
      this.memoryOnly = false;
    } catch {
      // Storage full or forbidden (private mode): the marks still go out, but would not survive
      // a reload; the page says so.
      this.memoryOnly = true;
    }
  }

  // IndexedDB's write: transactions on one store run in the order they were made, so the last
  // list written is the one kept. A failed write falls back on localStorage.
  saveStored() {
    try {
      const writing = this.database.transaction(STORE, "readwrite");
      writing.objectStore(STORE).put(JSON.parse(JSON.stringify(this.entries)), this.key);
      written(writing).then(() => {
        this.memoryOnly = false;
        if (this.channel) this.channel.postMessage({ key: this.key });
      }, () => this.saveLocally());
    } catch {
      this.saveLocally();
    }
  }

  saveLocally() {
    this.database = null;
    this.save();
  }

  // Another tab of the same user and skill changed the list (localStorage's `storage` event).
  reload() { if (!this.database) this.entries = this.load(); }

  add(entry) {
    this.entries.push(entry);
    this.save();
    return entry;
  }

  get(id) { return this.entries.find((e) => e.id === id) || null; }

  update(id, changes) {
    const entry = this.get(id);
    if (!entry) return null;
    Object.assign(entry, changes);
    this.save();
    return entry;
  }

  remove(id) {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.id !== id);
    if (this.entries.length !== before) this.save();
  }

  // The entries of one cell, oldest first.
  forCell(cell) { return this.entries.filter((e) => e.cell === cell); }

  // The entry to send next for each cell: its oldest (later ones wait for its answer).
  heads() {
    const seen = new Set();
    const heads = [];
    for (const entry of this.entries) {
      if (seen.has(entry.cell)) continue;
      seen.add(entry.cell);
      heads.push(entry);
    }
    return heads;
  }

  get size() { return this.entries.length; }
}
