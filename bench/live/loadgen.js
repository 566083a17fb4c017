// The load generator of bench/bench_live.py: board viewers and judges in ONE Node process, so
// every time is read on one clock (the process's monotonic clock, process.hrtime) and the
// clients cost less than the server.
//
//   node loadgen.js CONFIG.json
//
// CONFIG: {url, skill, viewers, connectBatch, rate, duration, drain, maxOutstanding,
//          judges: [{token, cells: [{skill?, competitor, aspect, values: [..]}]}]}
//
// The viewers live on the main thread; the judges on a worker thread of the same process, so
// that an ack is timed when it arrives and not after the main thread has parsed the 1,000
// copies of a snapshot that came in just before it (which would add up to ~30 ms to acks that
// the server sent in time).
//
// Talks to the driver over stdin/stdout, one JSON object a line:
//   -> {"event": "ready", ...}   viewers and judges connected; waits for a line "go"
//   -> {"event": "done", ...}    marks sent, acks in, broadcasts drained; waits for "report"
//   -> {"event": "result", ...}  the figures; then it disconnects everything and exits.
// The driver reads the server's CPU time between "go" and "done".
//
// Latencies: ack = from sending `mark:submit` to its ack; last viewer = from the ack of a mark
// (whose ack carries mark.version) to the moment the last viewer had a `board:snapshot` whose
// version is at least that (coalescing may carry several marks in one snapshot).

"use strict";

const fs = require("node:fs");
const readline = require("node:readline");
const { randomUUID } = require("node:crypto");
const { Worker, isMainThread, parentPort, workerData } = require("node:worker_threads");
const { performance } = require("node:perf_hooks");
const { io } = require("socket.io-client");

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms, the same clock in both threads
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message) => process.stderr.write(`loadgen: ${message}\n`);
const options = (extra) => ({
  transports: ["websocket"], forceNew: true, reconnection: false, timeout: 30000, ...extra,
});

if (isMainThread) {
  main().catch((error) => { log(error.stack || String(error)); process.exit(1); });
} else {
  judgesThread().catch((error) => { log(error.stack || String(error)); process.exit(1); });
}

// --- the judges (worker thread) ----------------------------------------------------------

async function judgesThread() {
  const config = workerData;
  const judges = [];
  const marks = []; // {sent, acked, version}
  const errors = {};
  let skipped = 0;
  let timeouts = 0;
  let refusalsLogged = 0;
  let running = false;

  function connectJudge(index, spec) {
    return new Promise((resolve) => {
      const judge = { index, cells: spec.cells.map((c) => ({ ...c, next: 0, revision: 0 })),
                      next: 0, outstanding: 0, connected: false, error: null };
      const socket = io(config.url, options(spec.token ? { auth: { token: spec.token } } : {}));
      judge.socket = socket;
      socket.on("connect", () => { judge.connected = true; resolve(judge); });
      socket.on("connect_error", (error) => {
        judge.error = String(error && error.message);
        resolve(judge);
      });
      socket.on("disconnect", (reason) => { if (running) judge.error = `disconnect: ${reason}`; });
    });
  }

  function sendMark(judge) {
    if (!judge.connected || judge.cells.length === 0) return;
    if (judge.outstanding >= (config.maxOutstanding || 20)) { skipped += 1; return; }
    const cell = judge.cells[judge.next % judge.cells.length];
    judge.next += 1;
    const value = cell.values[cell.next % cell.values.length];
    cell.next += 1;
    const payload = { id: randomUUID(), competitor: cell.competitor, aspect: cell.aspect, value,
                      base: cell.revision, device: "bench" };
    if (cell.skill) payload.skill = cell.skill;
    const record = { sent: now(), acked: null, version: null };
    judge.outstanding += 1;
    judge.socket.timeout(30000).emit("mark:submit", payload, (error, answer) => {
      judge.outstanding -= 1;
      if (error) { timeouts += 1; return; }
      record.acked = now();
      if (answer && answer.mark && answer.mark.revision !== undefined) {
        cell.revision = answer.mark.revision;
      }
      if (answer && answer.ok) {
        record.version = Number(answer.mark && answer.mark.version);
        marks.push(record);
      } else {
        const code = (answer && answer.error) || "no answer";
        errors[code] = (errors[code] || 0) + 1;
        if (refusalsLogged++ < 5) {
          log(`mark refused: ${JSON.stringify(answer)} for ${JSON.stringify(payload)}`);
        }
      }
    });
  }

  for (const [index, spec] of config.judges.entries()) {
    judges.push(await connectJudge(index, spec));
  }
  const active = judges.filter((j) => j.connected);
  const bad = judges.find((j) => !j.connected);
  parentPort.postMessage({ type: "ready", judges: active.length,
                           error: bad ? `judge ${bad.index}: ${bad.error}` : null });

  const timers = [];
  parentPort.on("message", async (message) => {
    if (message.type === "go") {
      running = true;
      if (active.length && config.rate > 0) {
        const interval = (1000 * active.length) / config.rate;
        active.forEach((judge, k) => {
          timers.push(setTimeout(() => {
            sendMark(judge);
            timers.push(setInterval(() => sendMark(judge), interval));
          }, (interval * k) / active.length));
        });
      }
    } else if (message.type === "stop") {
      timers.forEach((t) => { clearTimeout(t); clearInterval(t); });
      const until = now() + (config.drain || 10) * 1000;
      while (now() < until && active.some((j) => j.outstanding > 0)) await sleep(10);
      parentPort.postMessage({ type: "marks", marks, errors, skipped, timeouts,
                               error: (judges.find((j) => j.error) || {}).error || null });
    } else if (message.type === "close") {
      running = false;
      for (const judge of judges) judge.socket.disconnect();
      setTimeout(() => process.exit(0), 100);
    }
  });
}

// --- the viewers and the figures (main thread) --------------------------------------------

function percentile(sorted, q) {
  if (!sorted.length) return null;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (x) => (x === null ? null : Math.round(x * 100) / 100);
  return { n: sorted.length, p50: round(percentile(sorted, 0.5)),
           p99: round(percentile(sorted, 0.99)), max: round(sorted[sorted.length - 1] ?? null) };
}

// For one viewer: the time it first held a snapshot of version >= v (binary search on the
// running maximum of the versions it received, in arrival order).
function firstAtLeast(viewer, v) {
  const { runMax, times } = viewer;
  let lo = 0;
  let hi = runMax.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runMax[mid] >= v) hi = mid; else lo = mid + 1;
  }
  return lo < runMax.length ? times[lo] : null;
}

async function main() {
  const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const say = (event, fields) => process.stdout.write(JSON.stringify({ event, ...fields }) + "\n");
  const lines = readline.createInterface({ input: process.stdin });
  const waiting = [];
  lines.on("line", (line) => { const next = waiting.shift(); if (next) next(line.trim()); });
  const nextLine = () => new Promise((resolve) => waiting.push(resolve));

  let phase = "connecting";
  let runStart = 0;
  let joinBytes = 0;
  const broadcastBytes = []; // the first viewer's broadcasts while marks are sent
  const viewers = [];

  function connectViewer(index) {
    return new Promise((resolve) => {
      const viewer = { index, times: [], versions: [], joined: false, lost: false, error: null };
      const socket = io(config.url, options());
      viewer.socket = socket;
      const done = (ok) => { viewer.joined = ok; resolve(viewer); };
      socket.on("board:snapshot", (snapshot) => {
        viewer.times.push(now());
        viewer.versions.push(Number(snapshot && snapshot.version) || 0);
        if (!joinBytes) joinBytes = Buffer.byteLength(JSON.stringify(snapshot));
        else if (index === 0 && phase === "running") broadcastBytes.push(Buffer.byteLength(JSON.stringify(snapshot)));
      });
      socket.on("connect", () => {
        socket.timeout(30000).emit("board:join", { skill: config.skill, changes: config.changes !== false }, (error, answer) => {
          if (error || !answer || !answer.ok) {
            viewer.error = error ? "join timeout" : JSON.stringify(answer);
            done(false);
          } else {
            done(true);
          }
        });
      });
      socket.on("connect_error", (error) => {
        viewer.error = String(error && error.message);
        done(false);
      });
      socket.on("disconnect", (reason) => {
        if (phase !== "closing") { viewer.lost = true; viewer.error = `disconnect: ${reason}`; }
      });
    });
  }

  const started = now();
  const batch = config.connectBatch || 50;
  for (let i = 0; i < config.viewers; i += batch) {
    const size = Math.min(batch, config.viewers - i);
    const group = await Promise.all(Array.from({ length: size }, (_, k) => connectViewer(i + k)));
    viewers.push(...group);
    const failed = group.filter((v) => !v.joined);
    if (failed.length) log(`${failed.length} viewers failed to join: ${failed[0].error}`);
  }

  const worker = new Worker(__filename, { workerData: config });
  const fromWorker = [];
  const workerWaiting = [];
  worker.on("message", (message) => {
    const next = workerWaiting.shift();
    if (next) next(message); else fromWorker.push(message);
  });
  worker.on("error", (error) => { log(`judges thread: ${error.stack || error}`); process.exit(1); });
  worker.on("exit", (code) => { if (code !== 0) { log(`judges thread ended (${code})`); process.exit(1); } });
  const nextFromWorker = () => new Promise((resolve) => {
    if (fromWorker.length) resolve(fromWorker.shift()); else workerWaiting.push(resolve);
  });
  const judgesReady = await nextFromWorker();
  if (judgesReady.error) log(`a judge did not connect: ${judgesReady.error}`);
  await sleep(500); // the join snapshots settle
  say("ready", { viewers: viewers.filter((v) => v.joined).length, judges: judgesReady.judges,
                 connect_s: Math.round(now() - started) / 1000 });

  if ((await nextLine()) !== "go") process.exit(2);
  phase = "running";
  runStart = now();
  const utilizationBefore = performance.eventLoopUtilization();
  worker.postMessage({ type: "go" });
  await sleep(config.duration * 1000);
  worker.postMessage({ type: "stop" });
  const judged = await nextFromWorker();
  const utilization = performance.eventLoopUtilization(utilizationBefore).utilization;
  phase = "draining";
  const drainUntil = now() + (config.drain || 10) * 1000;
  const top = judged.marks.reduce((a, m) => Math.max(a, m.version), 0);
  const live = viewers.filter((v) => v.joined && !v.lost);
  const highest = (v) => (v.versions.length ? Math.max(...v.versions.slice(-20)) : -1);
  while (now() < drainUntil && live.some((v) => highest(v) < top)) await sleep(20);
  say("done", { drained_s: Math.round(now() - runStart - config.duration * 1000) / 1000 });

  if ((await nextLine()) !== "report") process.exit(2);
  const joined = viewers.filter((v) => v.joined);
  for (const viewer of joined) {
    let max = -Infinity;
    viewer.runMax = viewer.versions.map((v) => (max = Math.max(max, v)));
  }
  const lastViewer = [];
  let undelivered = 0;
  if (joined.length) {
    for (const mark of judged.marks) {
      let last = -Infinity;
      for (const viewer of joined) {
        const t = firstAtLeast(viewer, mark.version);
        if (t === null) { last = null; break; }
        if (t > last) last = t;
      }
      if (last === null) undelivered += 1; else lastViewer.push(last - mark.acked);
    }
  }
  const broadcasts = joined.map((v) => v.times.filter((t) => t >= runStart).length);
  const firstError = (viewers.find((v) => v.error) || {}).error || judged.error;
  say("result", {
    viewers: joined.length,
    viewers_lost: viewers.filter((v) => v.lost).length,
    judges: judgesReady.judges,
    marks: judged.marks.length,
    mark_versions: new Set(judged.marks.map((m) => m.version)).size,
    errors: judged.errors, skipped: judged.skipped, timeouts: judged.timeouts,
    seconds: config.duration,
    ack_ms: summary(judged.marks.map((m) => m.acked - m.sent)),
    last_viewer_ms: summary(lastViewer),
    undelivered,
    broadcasts_max: broadcasts.length ? Math.max(...broadcasts) : 0,
    broadcasts_min: broadcasts.length ? Math.min(...broadcasts) : 0,
    join_bytes: joinBytes,
    broadcast_bytes: broadcastBytes.length ? summary(broadcastBytes) : null,
    viewer_loop_busy: Math.round(utilization * 100) / 100,
    first_error: firstError || null,
  });
  phase = "closing";
  worker.postMessage({ type: "close" });
  for (const v of viewers) v.socket.disconnect();
  setTimeout(() => process.exit(0), 300);
}
