"""Logged-in traffic for the 10,000-member organisation (bench/load/build.py), paced without
bursts, in steps of rate, against 127.0.0.1 only. Run by bench/load/steps.py.

Participants (9 of 10 users) open the overview, their pair's page, the discoveries board,
a discovery and the program page; administrators the members list, the matching round,
pairs by health and insights; every user also opens the landing page (the floor: a page
that reads nothing). Each user logs in once (a PBKDF2 login costs ~375 ms of CPU) and then
sends one request every `interval` seconds counted from its own start (spread over the
first interval), so the users never fire together. The interval follows the step's rate:
interval = users / rate.

The logins are spread over the first LOAD_LOGIN_SPREAD seconds of the settle period (50
PBKDF2 logins at once took 18 s of both cores, so the first step measured logins, not
pages). The landing page is opened by a session of its own without cookies: signed in, "/"
redirects to the overview (a 302, counted as a failure before).

Each step prints, besides the percentiles: every failure with its reason (the status or the
exception) and how often; the CPU time the app server's workers (LOAD_SERVER_PID, the
gunicorn master that steps.sh starts), PostgreSQL (the postmaster and all its backends, the
exited ones through the postmaster's children's time) and locust itself used during the
step, from /proc, per request served; the whole machine's busy CPU (what else ran) and the
load average."""

from __future__ import annotations

import os
import random
import re
import time
from typing import Any
from urllib.parse import urlparse

from locust import HttpUser, LoadTestShape, events, task
from locust.clients import HttpSession

HOST = os.environ.get("LOAD_HOST", "http://127.0.0.1:8017")
assert urlparse(HOST).hostname == "127.0.0.1", "load runs on 127.0.0.1 only"
USERS = int(os.environ.get("LOAD_USERS", "50"))
STEPS = [int(r) for r in os.environ.get("LOAD_STEPS", "10,25,50,100").split(",")]
STEP_SECONDS = int(os.environ.get("LOAD_STEP_SECONDS", "30"))
LOGIN_SPREAD = float(os.environ.get("LOAD_LOGIN_SPREAD", "30"))  # logins spread over this
SETTLE_SECONDS = int(os.environ.get("LOAD_SETTLE_SECONDS", "45"))  # logins + first interval
SERVER_PID = int(os.environ.get("LOAD_SERVER_PID", "0"))
TICK = os.sysconf("SC_CLK_TCK")
SLUG = "load-10000"
PROGRAM = 1
PAIRS = int(os.environ.get("LOAD_PAIRS", "4540"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
state = {"rate": STEPS[0]}
started_at = time.monotonic()


def interval() -> float:
    return USERS / state["rate"]


class Paced(HttpUser):
    abstract = True
    host = HOST

    def wait_time(self) -> float:  # type: ignore[override]
        # Each request one interval after the previous one's planned time, paced from the
        # user's own start. Not start + k * interval: when a step shortens the interval,
        # that time lies in the past for a large k, and every user fired back to back until
        # it caught up (the 25 req/s step achieved 53.6 req/s).
        self.next_at += interval()
        return max(0.0, self.next_at - time.monotonic())

    def log_in(self, email: str) -> None:
        time.sleep(random.random() * LOGIN_SPREAD)  # not all PBKDF2 logins at once
        page = self.client.get("/login/", name="login form")
        token = CSRF.search(page.text)
        with self.client.post(
            "/login/",
            {
                "username": email,
                "password": "load-password",
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": HOST + "/login/"},
            name="login",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            # Signed in, the login page redirects; anything else and every later request of
            # this user would measure redirects to the login page.
            if response.status_code != 302:
                response.failure(f"login refused: status {response.status_code}")
        self.next_at = time.monotonic() + random.random() * interval()
        time.sleep(max(0.0, self.next_at - time.monotonic()))

    def get(self, name: str, url: str, client: Any = None) -> None:
        client = client or self.client
        with client.get(url, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code == 0:  # no response at all: say what went wrong instead
                r.failure(f"no response: {type(r.error).__name__}: {r.error}")
            elif r.status_code != 200:
                r.failure(f"status {r.status_code}")

    def landing(self) -> None:
        """The floor: the public landing page, without the session's cookies."""
        if not hasattr(self, "anonymous"):
            self.anonymous = HttpSession(
                base_url=self.host, request_event=self.environment.events.request, user=self
            )
        self.get("landing (floor)", "/", client=self.anonymous)


class Participant(Paced):
    weight = 9

    def on_start(self) -> None:
        self.number = random.randrange(PAIRS * 2)
        self.log_in(f"p{self.number}@load.example")
        self.pair = 1 + self.number // 2  # the builder pairs p(2i) with p(2i+1), pair i+1
        self.discovery = 1 + random.randrange(300)

    @task(3)
    def overview(self) -> None:
        self.get("overview", f"/o/{SLUG}/")

    @task(3)
    def pair_page(self) -> None:
        self.get("pair", f"/o/{SLUG}/pairs/{self.pair}/")

    @task(2)
    def board(self) -> None:
        self.get("board", f"/o/{SLUG}/discoveries/")

    @task(1)
    def discovery(self) -> None:
        self.get("discovery", f"/o/{SLUG}/discoveries/{self.discovery}/")

    @task(1)
    def program(self) -> None:
        self.get("program", f"/o/{SLUG}/programs/{PROGRAM}/")

    @task(1)
    def floor(self) -> None:
        self.landing()


class Administrator(Paced):
    weight = 1

    def on_start(self) -> None:
        self.log_in("admin@load.example")

    @task(2)
    def members(self) -> None:
        self.get("members", f"/o/{SLUG}/members/")

    @task(2)
    def round(self) -> None:
        self.get("round", f"/o/{SLUG}/programs/{PROGRAM}/matching/")

    @task(2)
    def pairs(self) -> None:
        self.get("pairs by health", f"/o/{SLUG}/programs/{PROGRAM}/pairs/")

    @task(1)
    def insights(self) -> None:
        self.get("insights", f"/o/{SLUG}/programs/{PROGRAM}/insights/")


class Steps(LoadTestShape):
    """USERS users throughout; the rate steps up every STEP_SECONDS; each step's figures
    are printed and the statistics reset; the run stops by itself after the last step."""

    step = -1
    cpu: dict[str, int] = {}

    def tick(self) -> tuple[int, float] | None:
        elapsed = self.get_run_time()
        if elapsed < SETTLE_SECONDS:
            return USERS, USERS
        index = int((elapsed - SETTLE_SECONDS) // STEP_SECONDS)
        if index != self.step:
            if self.step >= 0:
                report(self.runner, STEPS[self.step], STEP_SECONDS, self.cpu)
            self.runner.stats.reset_all()
            self.cpu = cpu_now()
            self.step = index
            if index >= len(STEPS):
                return None
            state["rate"] = STEPS[index]
        return USERS, USERS


def ticks(pid: int, *, children: bool = False) -> int:
    """utime + stime of a process (and with `children`, of its exited, reaped children)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    # After the name: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    used = int(fields[11]) + int(fields[12])
    return used + (int(fields[13]) + int(fields[14]) if children else 0)


def children_of(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as found:
            return [int(child) for child in found.read().split()]
    except OSError:
        return []


def postmaster() -> int:
    """The PostgreSQL server's main process: the `postgres` whose parent is not one (every
    backend is its child)."""
    names, parents = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    head = stat.read()
            except OSError:
                continue
            names[int(entry)] = head[head.find("(") + 1 : head.rfind(")")]
            parents[int(entry)] = int(head.rsplit(")", 1)[1].split()[1])
    for pid, name in names.items():
        if name == "postgres" and names.get(parents[pid]) != "postgres":
            return pid
    return 0


def machine_busy() -> int:
    """Busy ticks of all cores (user, nice, system, irq, softirq, steal)."""
    with open("/proc/stat") as stat:
        cpu = [int(v) for v in stat.readline().split()[1:]]
    return sum(cpu) - cpu[3] - cpu[4]  # minus idle and iowait


def cpu_now() -> dict[str, int]:
    """CPU ticks used so far by the app server, PostgreSQL, locust and the whole machine."""
    pg = postmaster()
    return {
        "app": ticks(SERVER_PID, children=True) + sum(ticks(c) for c in children_of(SERVER_PID))
        if SERVER_PID
        else 0,
        "postgres": ticks(pg, children=True) + sum(ticks(c) for c in children_of(pg)) if pg else 0,
        "locust": ticks(os.getpid()),
        "machine": machine_busy(),
    }


def report(runner: Any, rate: int, seconds: int, cpu_before: dict[str, int]) -> None:
    stats = runner.stats
    total = stats.total
    load = os.getloadavg()
    print(
        f"\n== step {rate} req/s offered: achieved {total.num_requests / seconds:.1f} req/s, "
        f"{total.num_failures} failures, load average {load[0]:.2f} (5 min {load[1]:.2f})"
    )
    used = {k: (v - cpu_before.get(k, 0)) * 1000 / TICK for k, v in cpu_now().items()}
    served = max(total.num_requests, 1)
    ours = used["app"] + used["postgres"] + used["locust"]
    print(
        f"CPU per request (ms): app {used['app'] / served:.1f}, "
        f"postgres {used['postgres'] / served:.1f}, locust {used['locust'] / served:.1f}; "
        f"the machine was busy {used['machine'] / seconds / 10:.0f} % of a core on average "
        f"({max(used['machine'] - ours, 0) / seconds / 10:.0f} % of a core by other work)"
    )
    for error in sorted(stats.errors.values(), key=lambda e: -e.occurrences):
        print(f"  failure: {error.name}: {error.error} x{error.occurrences}")
    print(f"{'page':<18} {'n':>6} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    for (name, _method), entry in sorted(stats.entries.items()):
        if entry.num_requests:
            p50 = entry.get_response_time_percentile(0.5)
            print(
                f"{name:<18} {entry.num_requests:>6} {p50:>6.0f} "
                f"{entry.get_response_time_percentile(0.95):>6.0f} "
                f"{entry.get_response_time_percentile(0.99):>6.0f}"
            )
    print(
        f"{'all':<18} {total.num_requests:>6} {total.get_response_time_percentile(0.5):>6.0f} "
        f"{total.get_response_time_percentile(0.95):>6.0f} "
        f"{total.get_response_time_percentile(0.99):>6.0f}",
        flush=True,
    )


@events.init.add_listener
def _checks(environment: Any, **_: Any) -> None:
    assert urlparse(environment.host or HOST).hostname == "127.0.0.1"
