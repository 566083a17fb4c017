// The tablet's outbox: every mark is written here BEFORE it is sent, and leaves only when the
// server has answered it (saved, or refused for good). Kept in localStorage, one list per user
// and skill, so a reload, a closed tab or a dropped Wi-Fi loses nothing; a mark resent after a
// lost answer carries the same id, which the server recognises (docs/api.md, `mark:submit`).
//
// The stored form is a contract with the tablets at the venue: the key
// `competition:outbox:v1:<user>:<championship>/<skill>` holds a JSON array of entries
// {id, cell, skill, competitor, aspect, value, base, follows, reason, device, at, tried}; a
// new version of this page must read what an older one left unsent.
//
// `storage` (getItem/setItem) is the page's localStorage unless one is passed in (the unit
// tests pass a Map-backed one). localStorage itself is looked up only inside the try blocks:
// reading `window.localStorage` throws where the browser forbids storage.

const PREFIX = "competition:outbox:v1";

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

export class Outbox {
  constructor(user, skill, storage = null) {
    this.key = `${PREFIX}:${user}:${skill}`;
    this.storage = storage;
    this.entries = this.load();
    this.memoryOnly = false;
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
    try {
      (this.storage || pageStorage()).setItem(this.key, JSON.stringify(this.entries));
      this.memoryOnly = false;
    } catch {
      // Storage full or forbidden (private mode): the marks still go out, but would not survive
      // a reload; the page says so.
      this.memoryOnly = true;
    }
  }

  // Another tab of the same user and skill changed the list.
  reload() { this.entries = this.load(); }

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
