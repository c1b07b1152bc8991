"""Logged-in traffic for the 10,000-member organisation (bench/load/build.py), paced without
bursts, in steps of rate, against 127.0.0.1 only. Run by bench/load/steps.py.

Participants (9 of 10 users) open the overview, their pair's page, the discoveries board,
a discovery and the program page; administrators the members list, the matching round,
pairs by health and insights; every user also opens the landing page (the floor: a page
that reads nothing). Each user logs in once (a PBKDF2 login costs ~375 ms of CPU) and then
sends one request every `interval` seconds counted from its own start (spread over the
first interval), so the users never fire together. The interval follows the step's rate:
interval = users / rate."""

from __future__ import annotations

import os
import random
import re
import time
from typing import Any
from urllib.parse import urlparse

from locust import HttpUser, LoadTestShape, events, task

HOST = os.environ.get("LOAD_HOST", "http://127.0.0.1:8017")
assert urlparse(HOST).hostname == "127.0.0.1", "load runs on 127.0.0.1 only"
USERS = int(os.environ.get("LOAD_USERS", "50"))
STEPS = [int(r) for r in os.environ.get("LOAD_STEPS", "10,25,50,100").split(",")]
STEP_SECONDS = int(os.environ.get("LOAD_STEP_SECONDS", "30"))
SETTLE_SECONDS = 20  # logins and the first interval, not measured
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
        # The k-th request at start + k * interval: paced from the user's own start.
        self.k += 1
        return max(0.0, self.t0 + self.k * interval() - time.monotonic())

    def log_in(self, email: str) -> None:
        page = self.client.get("/login/", name="login form")
        token = CSRF.search(page.text)
        self.client.post(
            "/login/",
            {
                "username": email,
                "password": "load-password",
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": HOST + "/login/"},
            name="login",
        )
        self.t0 = time.monotonic() + random.random() * interval()
        self.k = 0
        time.sleep(max(0.0, self.t0 - time.monotonic()))

    def get(self, name: str, url: str) -> None:
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")


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
    def landing(self) -> None:
        self.get("landing (floor)", "/")


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

    def tick(self) -> tuple[int, float] | None:
        elapsed = self.get_run_time()
        if elapsed < SETTLE_SECONDS:
            return USERS, USERS
        index = int((elapsed - SETTLE_SECONDS) // STEP_SECONDS)
        if index != self.step:
            if self.step >= 0:
                report(self.runner, STEPS[self.step], STEP_SECONDS)
            self.runner.stats.reset_all()
            self.step = index
            if index >= len(STEPS):
                return None
            state["rate"] = STEPS[index]
        return USERS, USERS


def report(runner: Any, rate: int, seconds: int) -> None:
    stats = runner.stats
    total = stats.total
    load = os.getloadavg()[0]
    print(
        f"\n== step {rate} req/s offered: achieved {total.num_requests / seconds:.1f} req/s, "
        f"{total.num_failures} failures, load average {load:.2f}"
    )
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
