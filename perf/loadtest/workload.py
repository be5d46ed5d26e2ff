"""The mixed staff workflow, the threads that run it and the figures it produces.

Every virtual user is a thread with its own API token and its own random stream. It picks an
action by weight (lists with filters and search, details, a status change of one of its own
tasks with If-Match, a new task or meeting, the dashboard statistics, now and then a sign-in),
waits for the answer and "thinks" for a random 1-4 s before the next one — a closed loop, like
people at desks. Every request is one :class:`Sample`; the outcome is classified as

* ``ok``: 2xx;
* ``throttled``: 429 (the token endpoint's per-address throttle) — by design;
* ``shed``: 503 with ``Retry-After`` — by design, should a load-shedding guard answer;
* ``error``: anything else — another 4xx or 5xx, a timeout, a refused or reset connection.

Only the standard library is used, so the generator adds nothing to the project's dependencies.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

API = "/api/v1"
REQUEST_TIMEOUT = 30.0  # seconds; an answer later than this is a timeout, i.e. an error
THINK_TIME = (1.0, 4.0)  # seconds between two actions of one user, uniform
# One sign-in (a password hash, hundreds of milliseconds of CPU) every this many seconds for every
# 50 users: 50 users ask for a token 5 times a minute, well under TOKEN_THROTTLE_RATE (20/min per
# address, and every virtual user shares 127.0.0.1); 200 users ask 20 times a minute and meet the
# throttle now and then — the 429s "by design" of the overload.
TOKEN_EVERY_S_PER_50_USERS = 12.0


@dataclass(slots=True)
class Sample:
    phase: str
    name: str
    started: float  # time.monotonic()
    ms: float
    status: int  # 0: no HTTP answer (timeout, refused or reset connection)
    error: str = ""

    @property
    def outcome(self) -> str:
        if 200 <= self.status < 300:
            return "ok"
        if self.status == 429:
            return "throttled"
        if self.status == 503:
            return "shed"
        return "error"


@dataclass
class Catalog:
    """What the virtual users pick from: ids and words read through the API before the run."""

    project_ids: list[int]
    company_ids: list[int]
    user_ids: list[int]
    words: list[str]
    stages: list[str] = field(default_factory=lambda: ["lead", "negotiating", "signed", "construction"])


@dataclass
class Account:
    username: str
    password: str
    token: str
    user_id: int


class Client:
    """One HTTP/1.1 connection per request (gunicorn's sync workers close it after each answer)."""

    def __init__(self, base_url: str, timeout: float = REQUEST_TIMEOUT):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout

    def request(self, method: str, path: str, token: str | None = None, body=None, headers=None):
        """(status, parsed JSON or None, headers); status 0 and the reason when nothing came back."""
        all_headers = {"Accept": "application/json", "Host": self.host, "Accept-Language": "zh-hans"}
        if token:
            all_headers["Authorization"] = f"Token {token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=payload, headers=all_headers)
            response = conn.getresponse()
            raw = response.read()
            try:
                data = json.loads(raw) if raw else None
            except ValueError:
                data = None
            return response.status, data, dict(response.getheaders()), ""
        except (OSError, http.client.HTTPException) as exc:
            return 0, None, {}, f"{type(exc).__name__}: {exc}"
        finally:
            conn.close()


class TokenPacer:
    """Shared by all the users of a run: one sign-in at most every ``interval`` seconds."""

    def __init__(self, interval: float):
        self.interval = interval
        self.lock = threading.Lock()
        self.next_at = time.monotonic() + interval

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            if now < self.next_at:
                return False
            self.next_at = now + self.interval
            return True


class VirtualUser:
    def __init__(
        self,
        client: Client,
        account: Account,
        catalog: Catalog,
        record,
        pacer: TokenPacer,
        seed: int,
        skip: tuple[str, ...] = (),
    ):
        self.client, self.account, self.catalog = client, account, catalog
        self.record, self.pacer = record, pacer
        self.rng = random.Random(seed)
        self.phase = ""
        self.my_tasks: list[int] = []
        names, weights = zip(*[(a, w) for a, w in self.ACTIONS if a.__name__ not in skip], strict=True)
        self.actions, self.weights = list(names), list(weights)

    # one request, timed ---------------------------------------------------------------------------

    def call(self, name: str, method: str, path: str, body=None, headers=None, token: str | None = None):
        started = time.monotonic()
        status, data, answer_headers, error = self.client.request(
            method, path, token=token if token is not None else self.account.token, body=body, headers=headers
        )
        ms = (time.monotonic() - started) * 1000
        if status >= 400 and status not in (429, 503) and not error:
            error = json.dumps(data, ensure_ascii=False)[:300] if data is not None else ""
        self.record(Sample(self.phase, name, started, ms, status, error))
        return status, data, answer_headers

    def get(self, name: str, path: str, **params):
        query = f"?{urlencode(params, doseq=True)}" if params else ""
        return self.call(name, "GET", f"{API}{path}{query}")

    # the actions ----------------------------------------------------------------------------------

    def list_projects(self):
        params = {"stage": self.rng.choice(self.catalog.stages), "ordering": "-stage_changed_on", "page_size": 20}
        if self.rng.random() < 0.3:
            params["owner"] = self.rng.choice(self.catalog.user_ids)
        self.get("GET /projects/?stage=", "/projects/", **params)

    def search_projects(self):
        self.get("GET /projects/?search=", "/projects/", search=self.rng.choice(self.catalog.words), page_size=20)

    def project_detail(self):
        pk = self.rng.choice(self.catalog.project_ids)
        self.get("GET /projects/{id}/", f"/projects/{pk}/")
        if self.rng.random() < 0.5:
            self.get("GET /milestones/?project=", "/milestones/", project=pk, ordering="due_on")

    def list_companies(self):
        params = {"ordering": "-updated_at", "page_size": 20}
        if self.rng.random() < 0.5:
            params["kind"] = "enterprise"
        self.get("GET /companies/", "/companies/", **params)

    def search_companies(self):
        self.get("GET /companies/?search=", "/companies/", search=self.rng.choice(self.catalog.words), page_size=20)

    def company_detail(self):
        pk = self.rng.choice(self.catalog.company_ids)
        self.get("GET /companies/{id}/", f"/companies/{pk}/")
        if self.rng.random() < 0.3:
            self.get("GET /companies/{id}/timeline/", f"/companies/{pk}/timeline/")

    def overdue_milestones(self):
        self.get("GET /milestones/?overdue=", "/milestones/", overdue="true", ordering="due_on", page_size=20)

    def my_open_tasks(self):
        self.get(
            "GET /tasks/?assignee=&status=", "/tasks/", assignee=self.account.user_id, status=["open", "in_progress"]
        )

    def meetings(self):
        since = (dt.date.today() - dt.timedelta(days=30)).isoformat()
        self.get("GET /meetings/?starts_at__gte=", "/meetings/", starts_at__gte=f"{since}T00:00:00+08:00")

    def create_task(self):
        body = {
            "title": f"压测跟进事项 {self.rng.randrange(10**6)}",
            "assignee": self.account.user_id,
            "due_on": (dt.date.today() + dt.timedelta(days=self.rng.randrange(1, 60))).isoformat(),
            "priority": self.rng.choice(["low", "normal", "high"]),
        }
        if self.rng.random() < 0.5:
            body["company"] = self.rng.choice(self.catalog.company_ids)
        status, data, _headers = self.call("POST /tasks/", "POST", f"{API}/tasks/", body=body)
        if status == 201 and data:
            self.my_tasks.append(data["id"])

    def change_task_status(self):
        if not self.my_tasks:
            self.create_task()
            return
        pk = self.rng.choice(self.my_tasks)
        status, data, headers = self.get("GET /tasks/{id}/", f"/tasks/{pk}/")
        if status != 200 or not data:
            return
        new_status = self.rng.choice([s for s in ("open", "in_progress", "done") if s != data["status"]])
        etag = headers.get("ETag") or f'"{data["version"]}"'
        self.call(
            "PATCH /tasks/{id}/ (If-Match)",
            "PATCH",
            f"{API}/tasks/{pk}/",
            body={"status": new_status},
            headers={"If-Match": etag},
        )

    def create_meeting(self):
        start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=self.rng.randrange(1, 30))
        body = {
            "title": f"压测洽谈会 {self.rng.randrange(10**6)}",
            "kind": "talk",
            "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
            "companies": [self.rng.choice(self.catalog.company_ids)],
            "summary": "双方就项目落地、用地和人才政策交换了意见。",
        }
        self.call("POST /meetings/", "POST", f"{API}/meetings/", body=body)

    def pipeline(self):
        self.get("GET /stats/pipeline/", "/stats/pipeline/")

    def kpis(self):
        self.get("GET /stats/kpis/", "/stats/kpis/")

    def signed(self):
        self.get("GET /stats/signed/", "/stats/signed/")

    def me(self):
        self.get("GET /auth/me/", "/auth/me/")

    def sign_in(self):
        if not self.pacer.take():
            self.me()
            return
        body = {"username": self.account.username, "password": self.account.password}
        self.call("POST /auth/token/", "POST", f"{API}/auth/token/", body=body, token="")

    ACTIONS = [
        (list_projects, 12),
        (search_projects, 6),
        (project_detail, 10),
        (list_companies, 7),
        (search_companies, 5),
        (company_detail, 6),
        (overdue_milestones, 6),
        (my_open_tasks, 10),
        (meetings, 4),
        (change_task_status, 9),
        (create_task, 4),
        (create_meeting, 2),
        (pipeline, 2),
        (kpis, 3),
        (signed, 3),
        (me, 3),
        (sign_in, 3),
    ]

    def run(self, phase: str, stop: threading.Event):
        self.phase = phase
        # Users do not all click at the same instant: start somewhere inside one think time.
        if stop.wait(self.rng.uniform(0, THINK_TIME[0])):
            return
        while not stop.is_set():
            action = self.rng.choices(self.actions, self.weights)[0]
            action(self)
            stop.wait(self.rng.uniform(*THINK_TIME))


# Reading the catalog -------------------------------------------------------------------------------


def read_catalog(client: Client, token: str) -> Catalog:
    def ids(path, **params):
        status, data, _h, error = client.request("GET", f"{API}{path}?{urlencode(params)}", token=token)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status} {error} {data}")
        return data["results"]

    projects = ids("/projects/", page_size=200, is_confidential="false")
    companies = ids("/companies/", page_size=200)
    users = ids("/users/", page_size=50)
    words = sorted({c["name"][:2] for c in companies if c.get("name")} | {p["name"][:2] for p in projects})
    if not projects or not companies:
        raise RuntimeError("The database has no projects or companies: run seed_demo / generate_data first.")
    return Catalog(
        project_ids=[p["id"] for p in projects],
        company_ids=[c["id"] for c in companies],
        user_ids=[u["id"] for u in users],
        words=words[:100] or ["项目"],
    )


# Running a phase ------------------------------------------------------------------------------------


class Run:
    """The samples of one load run, appended to from every user thread."""

    def __init__(
        self, base_url: str, accounts: list[Account], catalog: Catalog, seed: int = 8, skip: tuple[str, ...] = ()
    ):
        """``skip``: names of actions left out of the mix (e.g. ``pipeline``), for diagnosis."""
        self.skip = skip
        self.client = Client(base_url)
        self.accounts, self.catalog, self.seed = accounts, catalog, seed
        self.samples: list[Sample] = []
        self.phases: dict[str, tuple[float, float, int]] = {}  # name -> (start, end, users)
        self._lingering: list[threading.Thread] = []

    def record(self, sample: Sample):
        self.samples.append(sample)  # list.append is atomic under the GIL

    def phase(self, name: str, users: int, seconds: float, ramp_per_s: float = 10.0, wait_in_flight: bool = True):
        """``users`` virtual users for ``seconds``, started at ``ramp_per_s`` a second.

        With ``wait_in_flight`` off the call returns as soon as the users stop starting actions,
        leaving their last requests in flight: the next phase then starts against that backlog
        (how recovery after an overload is measured).
        """
        if users > len(self.accounts):
            raise ValueError(f"{users} users but only {len(self.accounts)} accounts")
        stop = threading.Event()
        pacer = TokenPacer(TOKEN_EVERY_S_PER_50_USERS * 50 / users)
        threads = []
        start = time.monotonic()
        for i in range(users):
            vu = VirtualUser(
                self.client, self.accounts[i], self.catalog, self.record, pacer, self.seed * 1000 + i, self.skip
            )
            thread = threading.Thread(target=vu.run, args=(name, stop), name=f"{name}-{i}", daemon=True)
            thread.start()
            threads.append(thread)
            if ramp_per_s and i + 1 < users:
                time.sleep(1 / ramp_per_s)
        stop.wait(max(0.0, seconds - (time.monotonic() - start)))
        stop.set()
        end = time.monotonic()
        self.phases[name] = (start, end, users)
        if wait_in_flight:
            for thread in threads:
                thread.join(REQUEST_TIMEOUT + 5)
        else:
            self._lingering.extend(threads)
        return end - start

    def finish(self):
        for thread in self._lingering:
            thread.join(REQUEST_TIMEOUT + 5)


# Figures -------------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def figures(samples: list[Sample], seconds: float) -> dict:
    ms = sorted(s.ms for s in samples)
    outcomes = Counter(s.outcome for s in samples)
    return {
        "requests": len(samples),
        "rps": round(len(samples) / seconds, 2) if seconds else 0.0,
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(ms[-1], 1) if ms else 0.0,
        "by_status": {str(k): v for k, v in sorted(Counter(s.status for s in samples).items())},
        "ok": outcomes["ok"],
        "throttled_429": outcomes["throttled"],
        "shed_503": outcomes["shed"],
        "errors": outcomes["error"],
    }


def phase_summary(run: Run, name: str, latency_exclude: tuple[str, ...] = ()) -> dict:
    """Figures of one phase, overall and per request name.

    With ``latency_exclude``, ``p99_ms_judged`` is the p99 of the other requests (the one the
    latency target is judged on); ``p99_ms`` always counts every request.
    """
    start, end, users = run.phases[name]
    samples = [s for s in run.samples if s.phase == name]
    by_endpoint = defaultdict(list)
    for s in samples:
        by_endpoint[s.name].append(s)
    summary = {"users": users, "seconds": round(end - start, 1), **figures(samples, end - start)}
    judged = sorted(s.ms for s in samples if s.name not in latency_exclude)
    summary["p99_ms_judged"] = round(percentile(judged, 99), 1)
    summary["latency_excluded"] = list(latency_exclude)
    summary["endpoints"] = {k: figures(v, end - start) for k, v in sorted(by_endpoint.items())}
    summary["error_examples"] = [
        {"name": s.name, "status": s.status, "error": s.error} for s in samples if s.outcome == "error"
    ][:10]
    return summary


def recovery(
    run: Run, name: str, bucket_s: float = 5.0, p99_limit_ms: float = 800.0, latency_exclude: tuple[str, ...] = ()
) -> dict:
    """When the users of phase ``name`` saw normal service again, in seconds from its start.

    The phase is cut into ``bucket_s`` slices by the time a request was sent. A slice is bad when
    one of its requests failed (an error; 429 and 503 count as by design) or its p99 is at or above
    ``p99_limit_ms``. ``recovered_after_s`` is the end of the last bad slice (0 when none was bad),
    or None when the very last slice was still bad. Requests named in ``latency_exclude`` count
    for errors but not for the p99.
    """
    start, end, _users = run.phases[name]
    slices = []
    n = max(1, int(-(-(end - start) // bucket_s)))
    for i in range(n):
        lo, hi = start + i * bucket_s, start + (i + 1) * bucket_s
        part = [s for s in run.samples if s.phase == name and lo <= s.started < hi]
        ms = sorted(s.ms for s in part if s.name not in latency_exclude)
        slices.append(
            {
                "from_s": round(i * bucket_s, 1),
                "requests": len(part),
                "errors": sum(1 for s in part if s.outcome == "error"),
                "throttled_429": sum(1 for s in part if s.outcome == "throttled"),
                "shed_503": sum(1 for s in part if s.outcome == "shed"),
                "p99_ms": round(percentile(ms, 99), 1),
            }
        )
    bad = [i for i, sl in enumerate(slices) if sl["errors"] or sl["p99_ms"] >= p99_limit_ms]
    if not bad:
        after = 0.0
    elif bad[-1] == len(slices) - 1:
        after = None
    else:
        after = round((bad[-1] + 1) * bucket_s, 1)
    return {
        "bucket_s": bucket_s,
        "p99_limit_ms": p99_limit_ms,
        "latency_excluded": list(latency_exclude),
        "recovered_after_s": after,
        "slices": slices,
    }
