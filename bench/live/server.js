// The Node baseline of bench/bench_live.py: a bare socket.io server that only acknowledges
// marks and broadcasts a 2 KB document to the board room, the least any server must do.
//
//   node server.js PORT
//
// `board:join {skill}` joins the room of the skill; `mark:submit` bumps a version, acknowledges
// with {ok: true, mark: {version}}, then (on the next turn of the event loop, after the ack is
// written) sends `board:snapshot {skill, version, ...payload}` to that room. No database, no
// authentication, no coalescing: one broadcast per mark. Per-message deflate is off, socket.io's
// default.

"use strict";

const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const { Server } = require("socket.io");

const port = Number(process.argv[2] || 5100);
const payload = JSON.parse(fs.readFileSync(path.join(__dirname, "payload.json"), "utf8"));
let version = 0;

const httpServer = http.createServer((request, response) => {
  response.writeHead(request.url === "/" ? 200 : 404, { "content-type": "text/plain" });
  response.end("bench baseline\n");
});
const io = new Server(httpServer, { transports: ["websocket"], serveClient: false });

io.on("connection", (socket) => {
  socket.on("board:join", (data, ack) => {
    const skill = String((data && data.skill) || "");
    socket.join(`board:${skill}`);
    if (typeof ack === "function") ack({ ok: true });
    socket.emit("board:snapshot", { skill, version, ...payload });
  });
  socket.on("mark:submit", (data, ack) => {
    version += 1;
    const skill = String((data && data.skill) || "");
    const mark = { skill, aspect: data && data.aspect, competitor: data && data.competitor,
                   value: data && data.value, revision: 1, version };
    if (typeof ack === "function") ack({ ok: true, mark, replay: false, dispute: null });
    const snapshot = { skill, version, ...payload };
    setImmediate(() => io.to(`board:${skill}`).emit("board:snapshot", snapshot));
  });
});

httpServer.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening on 127.0.0.1:${port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
