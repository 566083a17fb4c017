// The tablet's state and the rules over it, without the page: the marking scheme, the marks
// (newest version wins), sub-criterion locks, open disputes, the refusals shown in cells, and
// what one cell is (describe) and how far a row or a sub-criterion is marked (progress).
//
// The sync protocol (sync.js) writes into a Store; the grid and the value panel (grid.js,
// panel.js) read from it. The unsent marks themselves are in the outbox (../outbox.js): a
// Store only looks at it, through `outbox` and `inFlight` (the ids sent and not answered).

// The key of a cell of the grid.
export const cellKey = (aspect, competitor) => `${aspect}|${competitor}`;

// Two marks' values are the same mark: numbers compared as numbers ("2", 2 and "2.00"), and
// no value only equals no value.
export function sameValue(a, b) {
  const empty = (v) => v === null || v === undefined;
  if (empty(a) || empty(b)) return empty(a) && empty(b);
  return Number(a) === Number(b);
}

// How a value reads on the page: a judgement's score as it is, a measurement with 2 to 4
// decimals in the page's language, no value as a dash.
export function valueFormatter(lang) {
  const decimals = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 4 });
  return function shown(aspect, value) {
    if (value === null || value === undefined) return "–";
    if (aspect.type === "J") return String(value);
    const number = Number(value);
    return Number.isFinite(number) ? decimals.format(number) : String(value);
  };
}

// Who re-marks a judgement cell in dispute, as competition/judging/overview.py must_remark: the
// judges outside the 1-point band that holds the most scores; with no single such band, all.
export function mustRemark(scores) {
  const bands = new Map();
  for (const [, low] of scores) {
    const band = scores.filter(([, v]) => v >= low && v <= low + 1).map(([judge]) => judge).sort();
    bands.set(band.join("|"), band);
  }
  const best = Math.max(0, ...[...bands.values()].map((band) => band.length));
  const held = [...bands.values()].filter((band) => band.length === best);
  const judges = scores.map(([judge]) => judge).sort();
  return held.length === 1 ? judges.filter((judge) => !held[0].includes(judge)) : judges;
}

// The states in which a cell is not the expert's to mark: left out of the progress counts.
const NOT_COUNTED = ["withdrawn", "compatriot", "not_team", "not_panel", "full"];

export class Store {
  // config: the page's config (skill, ref, expert, readOnly, …); t: the translated strings
  // (key, values) -> text, for the reasons a cell gives; outbox: the Outbox, or null read-only.
  constructor({ config, t = (key) => key, outbox = null }) {
    this.config = config;
    this.t = t;
    this.outbox = outbox;
    this.readOnly = Boolean(config.readOnly);
    this.skill = null;
    this.version = null; // the skill version of the last complete read over HTTP
    this.marks = new Map(); // "aspect|competitor|judge" -> mark
    this.cells = new Map(); // "aspect|competitor" -> Map(judge or "" -> mark)
    this.locked = new Map(); // sub-criterion code -> true/false
    this.disputes = new Set(); // "aspect|competitor" in dispute
    this.refused = new Map(); // cell -> {kind: conflict|rejected|reason, message, value, error}
    this.inFlight = new Set(); // ids of outbox entries sent and not yet answered
    this.scheme = { subs: [], aspects: new Map(), competitors: [], byCode: new Map() };
    this.me = { code: config.expert, organization: null, team: new Set() };
  }

  // The skill as GET /api/v1/skills/<ref> gives it: scheme, competitors, experts.
  setup(skill) {
    const { scheme, me } = this;
    this.skill = skill;
    scheme.subs = [];
    scheme.aspects.clear();
    for (const criterion of skill.criteria || []) {
      for (const sub of criterion.sub_criteria || []) {
        const entry = { code: sub.code, name: sub.name, day: sub.day, criterion: criterion.code, aspects: [] };
        this.locked.set(sub.code, Boolean(sub.locked));
        for (const aspect of sub.aspects || []) {
          const item = { ...aspect, sub: entry };
          entry.aspects.push(item);
          scheme.aspects.set(aspect.code, item);
        }
        scheme.subs.push(entry);
      }
    }
    scheme.competitors = skill.competitors || [];
    scheme.byCode = new Map(scheme.competitors.map((c) => [c.code, c]));
    const expert = (skill.experts || []).find((e) => e.code === this.config.expert);
    me.organization = expert ? expert.organization : null;
    me.team = new Set(String((expert && expert.marking_team) || "").split(",").map((c) => c.trim()).filter(Boolean));
    this.panels = skill.panels || {};
  }

  // The fixed panel that marks a J cell (its members, or the panel for this competitor where a
  // substitute stands in), or null when the aspect has no panel: any expert may mark it.
  panelOf(aspect, competitor) {
    const panel = (this.panels || {})[aspect.code];
    if (!panel) return null;
    return (panel.exceptions || {})[competitor.code] || panel.members || [];
  }

  // The J aspects whose panel this expert sits on: {aspect: true | [competitor codes]} (a list:
  // only as a substitute, for those competitors), for the tablet's head.
  myPanels() {
    const mine = [];
    for (const [code, panel] of Object.entries(this.panels || {})) {
      if ((panel.members || []).includes(this.me.code)) { mine.push({ aspect: code, only: null }); continue; }
      const only = Object.entries(panel.exceptions || {})
        .filter(([, members]) => members.includes(this.me.code)).map(([competitor]) => competitor);
      if (only.length) mine.push({ aspect: code, only });
    }
    return mine;
  }

  // An event's skill is this page's (its code or its reference), or not given.
  ownSkill(skill) {
    return !skill || skill === this.config.skill || skill === this.config.ref;
  }

  // --- marks, disputes, locks ------------------------------------------------------------------

  // Keeps a mark unless a newer one of the same cell and judge is known already (events and
  // reads may arrive out of order). True when it was kept.
  applyMark(mark) {
    if (!mark || !this.ownSkill(mark.skill)) return false;
    const judge = mark.judge || "";
    const key = `${mark.aspect}|${mark.competitor}|${judge}`;
    const old = this.marks.get(key);
    if (old && (old.version > mark.version
        || (old.version === mark.version && old.revision > mark.revision))) return false;
    // Blind judgement: a hidden score (value null, hidden) is the same mark shown less; it never
    // replaces the score itself (a judge's own, which comes in their own event too).
    if (old && mark.hidden && !old.hidden && old.value !== null
        && old.version === mark.version && old.revision === mark.revision) return false;
    this.marks.set(key, mark);
    const cell = cellKey(mark.aspect, mark.competitor);
    if (!this.cells.has(cell)) this.cells.set(cell, new Map());
    this.cells.get(cell).set(judge, mark);
    return true;
  }

  // Blind judgement (docs/api.md): how many judges have scored a J cell, of how many wanted.
  // Until all have, a co-judge's score is hidden (value null, hidden: true) but counted.
  scoredCount(cell) {
    const marks = this.cells.get(cell);
    const scored = marks ? [...marks.values()].filter((m) => m.value !== null || m.hidden).length : 0;
    return { scored, of: (this.skill && this.skill.judges_per_aspect) || 0 };
  }

  // A cell in dispute as the tablet explains it: the scores (judge, value), their spread and who
  // must re-mark (mustRemark); null when the cell is not in dispute or its scores are hidden.
  disputeOf(cell) {
    if (!this.disputes.has(cell)) return null;
    const marks = this.cells.get(cell);
    const scores = marks ? [...marks.entries()].filter(([, m]) => m.value !== null && !m.hidden)
      .map(([judge, m]) => [judge, Number(m.value)]).sort(([a], [b]) => a.localeCompare(b)) : [];
    if (scores.length < 2) return null;
    const values = scores.map(([, value]) => value);
    return { scores, spread: Math.max(...values) - Math.min(...values), remark: mustRemark(scores) };
  }

  // A dispute opened (or closed: open === false). True when it has just opened on a cell the
  // expert has marked: the page tells them.
  applyDispute(event) {
    if (!event || !event.aspect) return false;
    const cell = cellKey(event.aspect, event.competitor);
    const before = this.disputes.has(cell);
    if (event.open === false) this.disputes.delete(cell);
    else this.disputes.add(cell);
    return !before && this.disputes.has(cell) && this.cellIsMine(cell);
  }

  // Locks as panel:join gives them: a list of codes or {sub_criterion, locked}, or an object.
  applyLocks(locks) {
    if (Array.isArray(locks)) {
      for (const item of locks) {
        if (typeof item === "string") this.locked.set(item, true);
        else if (item && item.sub_criterion) this.locked.set(item.sub_criterion, Boolean(item.locked));
      }
    } else if (locks && typeof locks === "object") {
      for (const [code, locked] of Object.entries(locks)) this.locked.set(code, Boolean(locked));
    }
  }

  // A refusal to show in its cell until the next mark there; its message, else a default.
  refuse(cell, { kind, message, value, error }) {
    const record = {
      kind, message: message || (kind === "conflict" ? this.t("reason_conflict") : error || ""),
      value, error,
    };
    this.refused.set(cell, record);
    return record;
  }

  // The expert's own mark of a cell: theirs on a judgement, the one mark of a measurement.
  myMark(aspect, competitor) {
    const marks = this.cells.get(cellKey(aspect.code, competitor.code));
    if (!marks) return null;
    return marks.get(aspect.type === "J" ? this.me.code : "") || null;
  }

  // {aspect, competitor} of a cell key (either may be undefined).
  cellOf(cell) {
    const [aspectCode, competitorCode] = cell.split("|");
    return { aspect: this.scheme.aspects.get(aspectCode), competitor: this.scheme.byCode.get(competitorCode) };
  }

  cellIsMine(cell) {
    const { aspect, competitor } = this.cellOf(cell);
    return Boolean(aspect && competitor && this.myMark(aspect, competitor));
  }

  // --- what a cell is --------------------------------------------------------------------------

  inTeam(sub) {
    return this.readOnly || this.me.team.size === 0 || this.me.team.has(sub.criterion);
  }

  isCompatriot(competitor) {
    return !this.readOnly && Boolean(this.me.organization) && competitor.organization === this.me.organization;
  }

  // The outbox's entries of a cell, oldest first.
  pending(cell) {
    return this.outbox ? this.outbox.forCell(cell) : [];
  }

  // Everything the grid and the panel need to know about one cell.
  describe(aspect, competitor) {
    const { t } = this;
    const sub = aspect.sub;
    const cell = cellKey(aspect.code, competitor.code);
    const mark = this.myMark(aspect, competitor);
    const info = {
      cell, aspect, competitor, mark, value: mark ? mark.value : null, markable: false,
      state: "empty", reason: "", dispute: aspect.type === "J" && this.disputes.has(cell),
      pending: this.pending(cell), count: aspect.type === "J" ? this.scoredCount(cell) : null,
    };
    const locked = Boolean(this.locked.get(sub.code));
    if (competitor.status === "withdrawn") return { ...info, state: "withdrawn", reason: t("reason_withdrawn") };
    if (this.isCompatriot(competitor)) return { ...info, state: "compatriot", reason: t("reason_compatriot") };
    if (!this.inTeam(sub)) return { ...info, state: "not_team", reason: t("reason_not_team") };
    const panel = aspect.type === "J" && !this.readOnly ? this.panelOf(aspect, competitor) : null;
    if (panel && !panel.includes(this.me.code)) {
      return { ...info, state: "not_panel", reason: t("reason_not_panel", { experts: panel.join(", ") }) };
    }
    if (info.pending.length) {
      const last = info.pending[info.pending.length - 1];
      const sending = info.pending.some((entry) => this.inFlight.has(entry.id));
      return { ...info, value: last.value, markable: !locked, state: sending ? "sending" : "waiting" };
    }
    if (locked) return { ...info, state: "locked", reason: t("reason_locked") };
    const refused = this.refused.get(cell);
    if (refused) {
      return { ...info, markable: true, state: refused.kind, reason: refused.message,
               value: refused.kind === "reason" ? refused.value : info.value };
    }
    if (mark && mark.value !== null) return { ...info, markable: true, state: "saved" };
    if (aspect.type === "J") {
      const marks = this.cells.get(cell);
      const others = marks ? [...marks.entries()].filter(([judge, m]) => judge !== this.me.code && (m.value !== null || m.hidden)) : [];
      if (others.length >= this.skill.judges_per_aspect) {
        return { ...info, state: "full", reason: t("reason_full") };
      }
    }
    return { ...info, markable: true, state: "empty" };
  }

  // describe() of a cell key, or null for a cell the scheme does not have.
  cellInfo(cell) {
    const { aspect, competitor } = this.cellOf(cell);
    return aspect && competitor ? this.describe(aspect, competitor) : null;
  }

  // --- progress --------------------------------------------------------------------------------

  // A competitor's row of a sub-criterion: cells marked, cells to mark, cells waiting to be
  // sent. Read-only (organizers): every judge's mark counts, up to the judges wanted.
  rowProgress(sub, competitor) {
    let done = 0; let total = 0; let waiting = 0;
    for (const aspect of sub.aspects) {
      if (this.readOnly) {
        if (competitor.status === "withdrawn") continue;
        const marks = this.cells.get(cellKey(aspect.code, competitor.code));
        const count = marks ? [...marks.values()].filter((m) => m.value !== null || m.hidden).length : 0;
        const wanted = aspect.type === "J" ? this.skill.judges_per_aspect : 1;
        total += wanted;
        done += Math.min(count, wanted);
        continue;
      }
      const info = this.describe(aspect, competitor);
      if (NOT_COUNTED.includes(info.state)) continue;
      total += 1;
      if (info.mark && info.mark.value !== null) done += 1;
      if (info.pending.length) waiting += 1;
    }
    return { done, total, waiting };
  }

  subProgress(sub) {
    let done = 0; let total = 0;
    for (const competitor of this.scheme.competitors) {
      const row = this.rowProgress(sub, competitor);
      done += row.done;
      total += row.total;
    }
    return { done, total };
  }

  // The sub-criterion to open: the one asked for (?sub=) if the expert marks it, else the
  // first unfinished one of `day`, else of any day, else the first there is.
  defaultSub(wanted, day) {
    const { scheme } = this;
    const mine = scheme.subs.filter((sub) => this.inTeam(sub));
    if (wanted && mine.some((sub) => sub.code === wanted)) return wanted;
    const unfinished = (sub) => {
      const p = this.subProgress(sub);
      return !this.locked.get(sub.code) && p.done < p.total;
    };
    const today = mine.filter((sub) => sub.day === day);
    const pick = today.find(unfinished) || mine.find(unfinished) || today[0] || mine[0] || scheme.subs[0];
    return pick ? pick.code : null;
  }
}
