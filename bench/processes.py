"""The benchmarks' servers: started, awaited and stopped; free ports and CPU time (/proc);
percentiles."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` (0–1) of `values` lie: the nearest rank, no interpolation."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (fields 14 and 15 of /proc/PID/stat)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_busy_seconds() -> float:
    """CPU seconds all processes of this machine have used (the `cpu` line of /proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICKS


@dataclass
class Server:
    label: str
    process: subprocess.Popen
    url: str
    log: Path


def start(label: str, command: list[str], port: int, workdir: Path, env: dict | None = None,
          seconds: float = 60) -> Server:
    """Run `command` (a server listening on `port`), its output in workdir/server-PORT.log,
    and return once it accepts connections."""
    log = workdir / f"server-{port}.log"
    environment = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                   env=environment, cwd=workdir)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{label} exited early:\n{log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return Server(label, process, f"http://127.0.0.1:{port}", log)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{label} did not listen in {seconds:.0f} s:\n"
                     f"{log.read_text(errors='replace')}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def print_columns(table: list) -> None:
    """Rows of text cells as columns: the first left-aligned, the others right-aligned, a rule
    under the header (the first row)."""
    widths = [max(len(line[k]) for line in table) for k in range(len(table[0]))]
    for number, line in enumerate(table):
        print("  ".join(cell.ljust(widths[k]) if k == 0 else cell.rjust(widths[k])
                        for k, cell in enumerate(line)))
        if number == 0:
            print("  ".join("-" * width for width in widths))
