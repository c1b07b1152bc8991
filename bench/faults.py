"""Fault run: restart PostgreSQL under load and see the app recover by itself.

Starts its own PostgreSQL cluster (initdb + pg_ctl on a free port in a temporary folder;
never the machine's shared server), migrates it, serves the app with `gensidig serve`
(gunicorn) on it, then for a bounded time:
- HTTP clients request /readyz (one query), /login/ (a page) and /healthz, and
- a writer commits transactions that add 1 to two counters together,
while PostgreSQL is restarted (`pg_ctl restart -m fast`) partway through. It prints the
errors inside and outside the restart window, how soon requests succeeded again, and checks
that no transaction was half-written (both counters equal, and equal to the commits that
were acknowledged, give or take the few whose commit was cut off in flight).

    .venv/bin/python bench/faults.py [--seconds 30] [--restart-at 10] [--clients 6]
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("GENSIDIG_PG_BIN", "/usr/lib/postgresql/15/bin"))
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def as_postgres(command: list[str]) -> list[str]:
    # initdb and the server refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command


class Cluster:
    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.data = folder / "pgdata"

    def pg_ctl(self, *args: str) -> None:
        # No captured output: the server started by pg_ctl would hold the pipe open.
        subprocess.run(
            as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-s", *args]),
            check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def start(self) -> None:
        if os.getuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        subprocess.run(
            as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                         "--auth=trust", "--no-sync"]),
            check=True, capture_output=True,
        )  # fmt: skip
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.options = options
        self.pg_ctl("-o", options, "-l", str(self.folder / "server.log"), "start")
        subprocess.run(
            as_postgres([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                         "-U", "postgres", "gensidig"]),
            check=True, capture_output=True,
        )  # fmt: skip

    def stop(self) -> None:
        self.pg_ctl("-m", "immediate", "stop")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--restart-at", type=float, default=10)
    parser.add_argument("--clients", type=int, default=6)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="gensidig-faults-"))
    cluster = Cluster(folder, free_port())
    cluster.start()
    url = f"postgres://postgres@127.0.0.1:{cluster.port}/gensidig"
    env = dict(
        os.environ,
        DATABASE_URL=url,
        GENSIDIG_DATA_DIR=str(folder / "data"),
        GENSIDIG_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT / "src"),
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    gensidig = [sys.executable, "-m", "gensidig"]
    subprocess.run([*gensidig, "migrate", "-v0"], env=env, check=True)
    web_port = free_port()
    server = subprocess.Popen(
        [*gensidig, "serve", "--no-migrate", "--port", str(web_port), "--workers", "2",
         "--threads", "4"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(folder / "serve.log", "w"),  # noqa: SIM115
    )  # fmt: skip
    os.environ.update(DATABASE_URL=url, GENSIDIG_DATA_DIR=env["GENSIDIG_DATA_DIR"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gensidig.settings")
    import django

    django.setup()
    from django.db import DatabaseError, connection, transaction

    from gensidig.ops.models import Counter

    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", web_port, timeout=2)
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.3)

        started = time.monotonic()
        stop_at = started + args.seconds
        results: list[tuple[float, float, bool]] = []  # (sent, answered, ok)
        lock = threading.Lock()

        def client(number: int) -> None:
            paths = ["/readyz", "/login/", "/healthz"]
            conn = http.client.HTTPConnection("127.0.0.1", web_port, timeout=10)
            turn = number
            while time.monotonic() < stop_at:
                path = paths[turn % len(paths)]
                turn += 1
                moment = time.monotonic() - started
                try:
                    conn.request("GET", path)
                    response = conn.getresponse()
                    response.read()
                    ok = response.status < 500
                except OSError:
                    ok = False
                    conn = http.client.HTTPConnection("127.0.0.1", web_port, timeout=10)
                with lock:
                    results.append((moment, time.monotonic() - started, ok))
                time.sleep(0.02)

        writes = {"acked": 0, "failed": 0}
        write_errors: list[float] = []

        def writer() -> None:
            while time.monotonic() < stop_at:
                moment = time.monotonic() - started
                try:
                    with transaction.atomic():
                        Counter.add("fault-a")
                        Counter.add("fault-b")
                    writes["acked"] += 1
                except DatabaseError:
                    writes["failed"] += 1
                    write_errors.append(moment)
                    connection.close()
                time.sleep(0.02)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        threads.append(threading.Thread(target=writer))
        for thread in threads:
            thread.start()
        time.sleep(max(0.0, started + args.restart_at - time.monotonic()))
        window_start = time.monotonic() - started
        cluster.pg_ctl("-m", "fast", "-o", cluster.options, "restart")
        window_end = time.monotonic() - started
        for thread in threads:
            thread.join()

        # A request belongs to the window when it was under way at any moment of it.
        def during(sent: float, answered: float) -> bool:
            return answered >= window_start and sent <= window_end + 1.0

        inside = [r for r in results if during(r[0], r[1])]
        outside = [r for r in results if not during(r[0], r[1])]
        failed_inside = sum(not ok for _, _, ok in inside)
        failed_outside = [r for r in outside if not r[2]]
        after = sorted(r for r in results if r[0] > window_end)
        first_ok = next((sent for sent, _, ok in after if ok), None)
        last_error = max((answered for _, answered, ok in results if not ok), default=None)
        counters = dict(
            Counter.objects.filter(name__startswith="fault-").values_list("name", "value")
        )
        print(f"cluster: PostgreSQL on 127.0.0.1:{cluster.port} in {folder}")
        print(
            f"requests: {len(results)} in {args.seconds:.0f} s from {args.clients} clients; "
            f"restart window {window_start:.2f}-{window_end:.2f} s "
            f"({window_end - window_start:.2f} s)"
        )
        print(f"errors inside the window (+1 s): {failed_inside} of {len(inside)}")
        print(f"errors outside the window: {len(failed_outside)} of {len(outside)}")
        if last_error is not None:
            print(f"last error at {last_error:.2f} s")
        if first_ok is not None:
            print(f"first success after the restart: {first_ok - window_end:+.2f} s after it")
        print(
            f"writer: {writes['acked']} commits acknowledged, {writes['failed']} refused "
            f"(all between {min(write_errors, default=0):.2f} and "
            f"{max(write_errors, default=0):.2f} s); counters {counters}"
        )
        a, b = counters.get("fault-a", 0), counters.get("fault-b", 0)
        half_written = a != b
        print(f"half-written transactions: {'YES' if half_written else 'none'} (a={a}, b={b})")
        print(f"lost acknowledged commits: {max(0, writes['acked'] - a)}")
        if half_written or failed_outside or a < writes["acked"]:
            sys.exit(1)
    finally:
        server.terminate()
        server.wait(timeout=60)
        from django.db import connections

        connections.close_all()
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
