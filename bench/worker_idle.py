"""How much CPU an idle `gensidig worker` uses: start one on an empty queue, let it settle,
then read its CPU time (user + system, from /proc) over a fixed window.

    .venv/bin/python bench/worker_idle.py [--seconds 60] [--interval 1]

Uses DATABASE_URL (or the SQLite database in GENSIDIG_DATA_DIR); migrate it first."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--interval", default="1")
    args = parser.parse_args()
    env = dict(os.environ, GENSIDIG_TASKS="database")
    worker = subprocess.Popen(
        [sys.executable, "-m", "gensidig", "worker", "--interval", args.interval],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Start-up (imports, the first heartbeat) is not idling, and on a busy machine it
        # takes a while: wait until a 5 s stretch costs under 0.1 s of CPU.
        settled, deadline = cpu_seconds(worker.pid), time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(5)
            now = cpu_seconds(worker.pid)
            if now - settled < 0.1:
                break
            settled = now
        before, started = cpu_seconds(worker.pid), time.monotonic()
        time.sleep(args.seconds)
        used, elapsed = cpu_seconds(worker.pid) - before, time.monotonic() - started
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    print(
        f"idle worker (poll every {args.interval} s): {used:.2f} s CPU in {elapsed:.0f} s"
        f" = {100 * used / elapsed:.2f} % of one core"
    )


if __name__ == "__main__":
    main()
