"""Benchmark: the element API served by gunicorn on PostgreSQL, beside a bare DRF view.

A fresh PostgreSQL database and a temporary ``OMS_VAR_DIR`` are set up, OMS is served by
gunicorn on loopback (``bench.settings``: OMS's settings plus one bare DRF view that returns
a fixed 1 KB JSON, the framework's ceiling), and an ontology of ``--types`` object types of
20 properties each is loaded on branch ``bench`` through the batch-commit API. Then
``--clients`` concurrent clients run each scenario for ``--seconds``: the bare view, GET one
element, list 50, PUT one element (a commit) and a batch of 100 changes (a commit). The
report gives requests/s and latency percentiles, each read's requests/s as a share of the
bare view's, and the targets with PASS or FAIL. See ``docs/benchmarks.md`` ("API").

The clients are Python threads (``http.client``, one keep-alive connection each); when
``wrk`` is installed the read scenarios are measured with it too, in rows marked ``wrk``.
Everything it starts (gunicorn, the database, the temporary directory) is removed at the
end, on error and on Ctrl-C too. Run it with ``.venv/bin/python bench/api.py``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import http.client
import json
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.common import format_seconds, mark, percentile, render_table, timed  # noqa: E402
from bench.storage import WORDS  # noqa: E402

SEED = 20240601
POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS = ("127.0.0.1", 6379)
REDIS_DB = 14
BRANCH = "bench"
KIND = "object-types"
PROPERTIES = 20
LOAD_BATCH = 100  # creates per batch commit while loading the ontology
BATCH = 100  # updates per commit in the "batch of 100" scenario
PAGE = 50
USERNAME = "bench"
DATA_TYPES = ("string", "integer", "long", "double", "boolean", "date", "timestamp", "geopoint")
DESCRIPTION = "@@DESCRIPTION@@"  # placeholder in the pre-rendered element bodies

GET_SHARE_TARGET = 0.5  # GET one element req/s over the bare view's, at least
GET_P95_TARGET = 0.025
PUT_P95_TARGET = 0.060
BUSY = 0.25  # cores of "other load" above which the report warns that the machine was busy
LOPSIDED = 1.5  # busiest worker's CPU over its fair share above which a run is redone
REDOS = 2  # lopsided runs redone at most, per scenario
SETTLE = 0.5  # seconds after a wrk run for the requests it left running to finish

BARE, GET, LIST, PUT, PUT_SOLO, BATCH_SCENARIO, CREATES = (
    "bare DRF view (1 KB)",
    "GET one element",
    f"GET list of {PAGE}",
    "PUT one element (commit)",
    "PUT one element, 1 client",
    f"POST batch of {BATCH} (commit)",
    f"POST batch of {BATCH} creates, 1 client",
)
CREATES_P50_TARGET = 0.300

Body = Callable[[random.Random, int], bytes]


# -- the ontology ------------------------------------------------------------------------------


def _words(rng: random.Random, count: int) -> list[str]:
    return [rng.choice(WORDS) for _ in range(count)]


def type_name(index: int) -> str:
    """The apiName of object type ``index`` (PascalCase, unique by its number)."""
    first, second = _words(random.Random(f"{SEED}-name-{index}"), 2)
    return f"{first.capitalize()}{second.capitalize()}{index:05d}"


def object_type(index: int, description: str | None = None) -> dict[str, Any]:
    """Object type ``index``: the same body on every call, 20 properties (about 3 KB)."""
    rng = random.Random(f"{SEED}-type-{index}")
    properties: list[dict[str, Any]] = [
        {"apiName": "id", "dataType": {"type": "string"}, "required": True},
        {"apiName": "name", "dataType": {"type": "string"}, "description": "Display name."},
    ]
    for number in range(PROPERTIES - len(properties)):
        first, second = _words(rng, 2)
        properties.append(
            {
                "apiName": f"{first}{second.capitalize()}{number}",
                "displayName": f"{first.capitalize()} {second} {number}",
                "description": " ".join(_words(rng, 6)),
                "dataType": {"type": rng.choice(DATA_TYPES)},
                "required": rng.random() < 0.3,
            }
        )
    name = type_name(index)
    return {
        "apiName": name,
        "displayName": " ".join(re.findall(r"[A-Z][a-z]+|\d+", name)),
        "description": description if description is not None else " ".join(_words(rng, 24)),
        "status": "active",
        "primaryKey": "id",
        "titleProperty": "name",
        "properties": properties,
    }


@dataclass(frozen=True)
class Ontology:
    """The object types of a run: names, and bodies pre-rendered as JSON text."""

    names: list[str]
    templates: list[str]  # JSON text of each body, ``DESCRIPTION`` in place of its description

    @classmethod
    def build(cls, types: int) -> Ontology:
        return cls(
            names=[type_name(i) for i in range(types)],
            templates=[json.dumps(object_type(i, DESCRIPTION)) for i in range(types)],
        )

    def body(self, index: int, description: str) -> str:
        """Object type ``index`` as JSON text, with a new description."""
        return self.templates[index].replace(DESCRIPTION, description, 1)


def changes_json(ontology: Ontology, op: str, indexes: Sequence[int], tag: str) -> list[str]:
    """Batch-commit changes (JSON text): ``op`` on each object type of ``indexes``."""
    name_field = "" if op == "create" else '"apiName": "{name}", '
    return [
        f'{{"op": "{op}", "kind": "{KIND}", '
        + name_field.format(name=ontology.names[i])
        + f'"document": {ontology.body(i, f"{ontology.names[i]}: {tag}")}}}'
        for i in indexes
    ]


def batch_json(message: str, changes: Sequence[str]) -> bytes:
    """The body of ``POST /branches/{branch}/commits/``."""
    return f'{{"message": {json.dumps(message)}, "changes": [{", ".join(changes)}]}}'.encode()


# -- HTTP --------------------------------------------------------------------------------------


class Http:
    """One keep-alive HTTP/1.1 connection to the server on loopback (``http.client``)."""

    def __init__(self, port: int, token: str = "") -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """Status and body of one request (the connection is reopened after an error)."""
        try:
            self.connection.request(method, path, body=body, headers=self.headers)
            response = self.connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise

    def json(self, method: str, path: str, payload: Any = None, expect: int = 200) -> Any:
        """A JSON request whose status must be ``expect``; the decoded answer."""
        body = payload if isinstance(payload, bytes | None) else json.dumps(payload).encode()
        status, answer = self.request(method, path, body)
        if status != expect:
            raise RuntimeError(f"{method} {path}: {status} (wanted {expect}): {answer[:500]!r}")
        return json.loads(answer) if answer else None

    def close(self) -> None:
        self.connection.close()


# -- the environment: database, settings, gunicorn ---------------------------------------------


@dataclass(frozen=True)
class Config:
    """What one run does (from the command line)."""

    types: int
    seconds: float
    warmup: float
    clients: int
    workers: int
    threads: int
    use_wrk: bool
    postgres: str


@dataclass
class Server:
    """The running server and what the benchmark needs to talk to it."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path
    database: str = ""  # PostgreSQL database name (its backends are the "db" CPU)
    token: str = ""
    facts: dict[str, str] = field(default_factory=dict)


def redis_answers() -> bool:
    """Whether a Redis server answers ``PING`` on 127.0.0.1:6379."""
    try:
        with socket.create_connection(REDIS, timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    """A TCP port on loopback that nothing listens on (right now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def database(postgres: str) -> Iterator[str]:
    """A new, empty PostgreSQL database (its URL), dropped on the way out."""
    import psycopg
    from psycopg import sql

    name = f"oms_bench_{os.getpid()}"
    admin = f"{postgres.rstrip('/')}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{postgres.rstrip('/')}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            connection.execute(drop.format(sql.Identifier(name)))


def server_env(var_dir: Path, database_url: str, redis: bool) -> dict[str, str]:
    """The environment of every OMS process of the run (nothing inherited from OMS_ or URLs)."""
    inherited = ("OMS_", "DATABASE_", "REDIS_", "USER_SERVICE_", "CELERY_", "TERMINUSDB_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": database_url,
            "OMS_VAR_DIR": str(var_dir),
            "OMS_SECRET_KEY": secrets.token_urlsafe(50),
            "OMS_DEBUG": "false",
            "OMS_STORE_BACKEND": "sql",
            "OMS_LOG_LEVEL": "WARNING",
            "OMS_LOCAL_ACCESS_TOKEN_MINUTES": "240",
            # One principal stands in for every user, signed in again by every fresh worker
            # (bench/scale.py): no rate limits.
            "OMS_THROTTLE_WRITES": "",
            "OMS_THROTTLE_LOGIN_ADDRESS": "",
            "OMS_THROTTLE_LOGIN_USERNAME": "",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if redis:
        env["REDIS_URL"] = f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS_DB}"
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run ``manage.py`` with the run's environment; its standard output."""
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "manage.py"), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


CREATE_USER = """
import os
from django.contrib.auth.models import Group, User
user = User.objects.create_user(os.environ["BENCH_USER"], password=os.environ["BENCH_PASSWORD"])
user.groups.add(Group.objects.get_or_create(name="editor")[0])
"""


def prepare_database(env: dict[str, str], password: str) -> None:
    """Tables, the store's root commit and ``main``, and an ``editor`` user."""
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "storage_init")
    manage({**env, "BENCH_USER": USERNAME, "BENCH_PASSWORD": password}, "shell", "-c", CREATE_USER)


def gunicorn_command(port: int, workers: int, threads: int) -> list[str]:
    """gunicorn serving ``oms_project.wsgi`` with the bench settings, quiet."""
    beside = Path(sys.executable).parent / "gunicorn"
    program = str(beside) if beside.exists() else shutil.which("gunicorn") or "gunicorn"
    return [
        program,
        "oms_project.wsgi",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "--worker-class", "gthread",
        "--env", "DJANGO_SETTINGS_MODULE=bench.settings",
        "--log-level", "warning",
        "--chdir", str(REPO_ROOT),
    ]  # fmt: skip


def start_gunicorn(env: dict[str, str], log: Path, config: Config) -> Server:
    """Start gunicorn in its own session and wait until it answers ``/health/live``."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            gunicorn_command(port, config.workers, config.threads),
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the benchmark, which stops it in order
        )
    server = Server(port, process, log)
    try:
        wait_until_live(server)
    except BaseException:
        stop_gunicorn(server)
        raise
    return server


def wait_until_live(server: Server, timeout: float = 60.0) -> None:
    """Poll ``/health/live`` until it answers 200 (or the server dies, or time runs out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{log_tail(server.log)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            client = Http(server.port)
            try:
                if client.request("GET", "/health/live")[0] == 200:
                    return
            finally:
                client.close()
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{log_tail(server.log)}")


def stop_gunicorn(server: Server) -> None:
    """Stop gunicorn (its master, then the process group it leads if need be)."""
    process = server.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the session start_gunicorn created
            process.wait()


def log_tail(log: Path, lines: int = 30) -> str:
    """The end of the server log."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def obtain_token(port: int, password: str) -> str:
    """A simplejwt access token for the bench user (local identity mode)."""
    client = Http(port)
    try:
        answer = client.json(
            "POST", "/api/v1/auth/token/", {"username": USERNAME, "password": password}
        )
    finally:
        client.close()
    return str(answer["access"])


@contextlib.contextmanager
def running_server(config: Config) -> Iterator[Server]:
    """Database, settings, user and gunicorn for one run; all removed on the way out."""
    with (
        tempfile.TemporaryDirectory(prefix="oms-bench-api-") as tmp,
        database(config.postgres) as database_url,
    ):
        redis = redis_answers()
        env = server_env(Path(tmp) / "var", database_url, redis)
        password = secrets.token_urlsafe(16)
        setup = timed(lambda: prepare_database(env, password))
        _progress(f"database {database_url.rsplit('/', 1)[1]} migrated in {setup:.1f} s")
        server = start_gunicorn(env, Path(tmp) / "gunicorn.log", config)
        server.database = database_url.rsplit("/", 1)[1]
        try:
            server.token = obtain_token(server.port, password)
            server.facts = {
                "redis": env.get("REDIS_URL", "unset (local-memory cache)"),
                "setup": format_seconds(setup),
            }
            yield server
        finally:
            stop_gunicorn(server)
            tracebacks = log_tail(server.log, 5000).count("Traceback")
            if tracebacks:
                _progress(f"the server logged {tracebacks} traceback(s); the end of its log:")
                _progress(log_tail(server.log))


# -- loading the ontology ----------------------------------------------------------------------


def load_ontology(server: Server, ontology: Ontology) -> float:
    """Create branch ``bench`` and every object type on it, in batch commits; seconds taken."""
    client = Http(server.port, server.token)
    try:
        client.json("POST", "/api/v1/branches/", {"name": BRANCH, "from": "main"}, expect=201)
        started = time.perf_counter()
        total = len(ontology.names)
        for start in range(0, total, LOAD_BATCH):
            indexes = range(start, min(start + LOAD_BATCH, total))
            changes = changes_json(ontology, "create", indexes, "created")
            body = batch_json(f"load {start}", changes)
            client.json("POST", f"/api/v1/branches/{BRANCH}/commits/", body, expect=201)
        return time.perf_counter() - started
    finally:
        client.close()


# -- scenarios ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """Requests of one kind: a random path of ``paths`` (and a body made for it)."""

    name: str
    method: str
    paths: Sequence[str]
    body: Body | None = None  # (rng, index of the path) -> request body
    auth: bool = True
    clients: int | None = None  # None: the run's --clients

    @property
    def read_only(self) -> bool:
        """Whether ``wrk`` can run it (no body to generate per request)."""
        return self.body is None

    def request(self, rng: random.Random) -> tuple[str, bytes | None]:
        """The path and body of the next request."""
        index = rng.randrange(len(self.paths))
        return self.paths[index], self.body(rng, index) if self.body else None


def cursor(api_name: str) -> str:
    """The list cursor the API issues for a page that ends at ``api_name`` (the JSON of its
    sort key, base64url: ``oms_project.pagination.encode_cursor``)."""
    return base64.urlsafe_b64encode(json.dumps(api_name).encode()).decode().rstrip("=")


def scenarios(ontology: Ontology) -> list[Scenario]:
    """Every scenario, in the order they run."""
    elements = f"/api/v1/branches/{BRANCH}/{KIND}/"
    ordered = sorted(ontology.names)
    # Pages of exactly PAGE elements: the first one, or one after a random element.
    full_pages = ordered[: max(1, len(ordered) - PAGE)]
    pages = [f"{elements}?limit={PAGE}"]
    pages += [f"{elements}?limit={PAGE}&cursor={cursor(name)}" for name in full_pages]

    details = [f"{elements}{name}/" for name in ontology.names]

    def put_body(rng: random.Random, index: int) -> bytes:
        return ontology.body(index, f"Edited {rng.getrandbits(64):016x}").encode()

    def batch_body(rng: random.Random, _: int) -> bytes:
        picked = rng.sample(range(len(ontology.names)), min(BATCH, len(ontology.names)))
        tag = f"batch {rng.getrandbits(64):016x}"
        return batch_json(tag, changes_json(ontology, "update", picked, tag))

    def creates_body(rng: random.Random, _: int) -> bytes:
        picked = rng.sample(range(len(ontology.names)), min(BATCH, len(ontology.names)))
        tag = f"{rng.getrandbits(64):016X}"
        changes = [
            f'{{"op": "create", "kind": "{KIND}", "document": '
            + ontology.body(i, tag).replace(
                f'"apiName": "{ontology.names[i]}"', f'"apiName": "New{tag}{n}"', 1
            )
            + "}"
            for n, i in enumerate(picked)
        ]
        return batch_json(f"create {tag}", changes)

    return [
        Scenario(BARE, "GET", ["/bench/bare/"], auth=False),
        Scenario(GET, "GET", details),
        Scenario(LIST, "GET", pages),
        # Alone, a PUT's latency is its service time; with the others, it queues for the branch.
        Scenario(PUT_SOLO, "PUT", details, put_body, clients=1),
        Scenario(PUT, "PUT", details, put_body),
        Scenario(BATCH_SCENARIO, "POST", [f"/api/v1/branches/{BRANCH}/commits/"], batch_body),
        Scenario(
            CREATES, "POST", [f"/api/v1/branches/{BRANCH}/commits/"], creates_body, clients=1
        ),  # fmt: skip
    ]


def probe(server: Server, scenario: Scenario) -> None:
    """One request of ``scenario``, which must succeed (a wrong set-up fails here, loudly)."""
    client = Http(server.port, server.token if scenario.auth else "")
    try:
        path, body = scenario.request(random.Random(SEED))
        status, answer = client.request(scenario.method, path, body)
    finally:
        client.close()
    if not 200 <= status < 300:
        raise RuntimeError(f"{scenario.name}: {scenario.method} {path}: {status}: {answer[:500]!r}")


# -- measuring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One scenario run by one load generator."""

    scenario: str
    client: str  # "python" or "wrk"
    requests: int  # answered (any status)
    errors: int  # non-2xx answers and failed requests
    elapsed: float
    p50: float
    p95: float
    p99: float
    failures: dict[str, int]  # status (or exception name) -> count, for the errors
    cpu: dict[str, float]  # CPU seconds used during the run: "app", "db", "client", "other"
    workers: tuple[float, ...]  # CPU seconds of each gunicorn worker, busiest first
    received: int  # bytes received (wrk: with the headers; Python: bodies only)
    discarded: tuple[str, ...] = ()  # worker splits of the runs redone (see ``measure``)

    @property
    def split(self) -> str:
        """Each worker's share of the server's CPU, busiest first ("52/48")."""
        total = sum(self.workers)
        return "/".join(f"{w / total:.0%}".rstrip("%") for w in self.workers) if total else "–"

    @property
    def lopsided(self) -> bool:
        """Whether one worker did most of the work: the connections landed unevenly."""
        total = sum(self.workers)
        fair = total / len(self.workers) if self.workers else 0.0
        return len(self.workers) > 1 and fair > 0 and self.workers[0] > LOPSIDED * fair

    @property
    def rate(self) -> float:
        """Successful requests per second."""
        return (self.requests - self.errors) / self.elapsed if self.elapsed else 0.0

    def cpu_per_request(self, part: str) -> float | None:
        """CPU seconds per answered request of ``part`` (None when not measured)."""
        if part not in self.cpu or not self.requests:
            return None
        return self.cpu[part] / self.requests


class CpuMeter:
    """CPU time of the gunicorn processes, of PostgreSQL's and of the load generator (Linux).

    Read from ``/proc`` per process, so a process that starts during a run counts from zero;
    one that ends during it is missed. PostgreSQL's figure is that of the backends serving
    the run's database; the server's shared processes (WAL writer, checkpointer, autovacuum)
    fall under "other", with anything else the machine runs meanwhile.
    """

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, server: Server) -> None:
        self.master = server.process.pid
        self.backend = f" {server.database} ".encode()
        self.start: dict[int, tuple[str, float]] = {}
        self.client_start = 0.0
        self.machine_start = 0.0

    def _sample(self) -> dict[int, tuple[str, float]]:
        """pid -> (part, CPU seconds) of the live gunicorn and PostgreSQL processes."""
        found = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue  # the process ended meanwhile
            name = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()
            pid, ppid = int(stat.parent.name), int(fields[1])
            seconds = (int(fields[11]) + int(fields[12])) / self.TICK  # utime + stime
            if self.master in (pid, ppid):
                found[pid] = ("app", seconds)
            elif name.startswith("postgres") and self._serves_run(stat.parent):
                found[pid] = ("db", seconds)
        return found

    def _serves_run(self, proc: Path) -> bool:
        """Whether a PostgreSQL process is a backend of the run's database (its title says)."""
        try:
            return self.backend in (proc / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            return False

    @staticmethod
    def _machine() -> float:
        """Busy CPU seconds of the whole machine (all cores) since boot."""
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = ticks[3] + ticks[4]  # idle + iowait
        return (sum(ticks[:8]) - idle) / CpuMeter.TICK

    @staticmethod
    def _client() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has exited
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    def begin(self) -> None:
        if Path("/proc/self/stat").exists():
            self.start = self._sample()
            self.machine_start = self._machine()
        self.client_start = self._client()

    def end(self) -> tuple[dict[str, float], tuple[float, ...]]:
        """CPU seconds used since ``begin``: by part, and by gunicorn worker.

        The parts are "app", "db", "client" and "other" (the rest of the machine: anything
        else running steals CPU from the run); only "client" is measured without ``/proc``.
        """
        used = {"client": self._client() - self.client_start}
        workers: list[float] = []
        if Path("/proc/self/stat").exists():
            used.update(app=0.0, db=0.0)
            for pid, (part, seconds) in self._sample().items():
                spent = seconds - self.start.get(pid, (part, 0.0))[1]
                used[part] += spent
                if part == "app" and pid != self.master:
                    workers.append(spent)
            machine = self._machine() - self.machine_start
            used["other"] = max(0.0, machine - used["app"] - used["db"] - used["client"])
        return used, tuple(sorted(workers, reverse=True))


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    received: int = 0
    finished: float = 0.0


def run_python(server: Server, scenario: Scenario, clients: int, seconds: float) -> Result:
    """``clients`` threads, each with its own keep-alive connection, for ``seconds``."""
    tallies = [_Tally() for _ in range(clients)]
    ready = threading.Barrier(clients + 1)
    stop = threading.Event()
    deadline = [0.0]

    def client(number: int) -> None:
        rng = random.Random(f"{SEED}-{scenario.name}-{number}-{time.time_ns()}")
        connection = Http(server.port, server.token if scenario.auth else "")
        tally = tallies[number]
        ready.wait()
        try:
            while not stop.is_set() and time.perf_counter() < deadline[0]:
                path, body = scenario.request(rng)  # outside the timed region
                started = time.perf_counter()
                try:
                    status, answer = connection.request(scenario.method, path, body)
                    tally.received += len(answer)
                    if not 200 <= status < 300:
                        tally.failures[str(status)] += 1
                except (OSError, http.client.HTTPException) as exc:
                    tally.failures[type(exc).__name__] += 1
                tally.latencies.append(time.perf_counter() - started)
        finally:
            tally.finished = time.perf_counter()
            connection.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    meter = CpuMeter(server)
    try:
        meter.begin()
        started = time.perf_counter()
        deadline[0] = started + seconds
        ready.wait()
        for thread in threads:
            thread.join()
    finally:
        stop.set()
    elapsed = max(t.finished for t in tallies) - started
    latencies = sorted(x for t in tallies for x in t.latencies)
    failures = sum((t.failures for t in tallies), Counter())
    return Result(
        scenario.name, "python", len(latencies), sum(failures.values()), elapsed,
        percentile(latencies, 0.50), percentile(latencies, 0.95), percentile(latencies, 0.99),
        dict(failures), *meter.end(), sum(t.received for t in tallies),
    )  # fmt: skip


WRK_SCRIPT = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end
function init(args)
  math.randomseed(%(seed)d + seed * 7919)
end
function request()
  return wrk.format("%(method)s", paths[math.random(#paths)], headers)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d\\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def wrk_script(server: Server, scenario: Scenario) -> str:
    """A Lua script for ``wrk``: a random path of the scenario per request, and a summary."""
    headers = {"Accept": "application/json"}
    if scenario.auth:
        headers["Authorization"] = f"Bearer {server.token}"
    return WRK_SCRIPT % {
        "paths": ",\n".join(json.dumps(path) for path in scenario.paths),
        "headers": ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()),
        "seed": random.Random().randrange(1_000_000),
        "method": scenario.method,
    }


def run_wrk(server: Server, scenario: Scenario, clients: int, seconds: float) -> Result:
    """``wrk`` with ``clients`` connections (2 threads) for ``seconds`` (whole seconds)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="oms-bench-") as script:
        script.write(wrk_script(server, scenario))
        script.flush()
        command = [
            "wrk", "-t", str(min(2, clients)), "-c", str(clients),
            "-d", f"{max(1, round(seconds))}s", "--timeout", "60s", "-s", script.name,
            f"http://127.0.0.1:{server.port}/",
        ]  # fmt: skip
        meter = CpuMeter(server)
        meter.begin()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        cpu, workers = meter.end()
        # wrk stops without waiting for its last answers. A worker still busy with them is
        # slow to accept, so the next run's burst of connections would all go to the others.
        time.sleep(SETTLE)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_RESULT")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    count, micros, received, connect, read, write, status, timeout, p50, p95, p99, _ = (
        int(x) for x in line.split()[1:]
    )
    failures = {"status": status, "connect": connect, "read": read, "write": write}
    failures["timeout"] = timeout
    return Result(
        scenario.name, "wrk", count, status + connect + read + write + timeout, micros / 1e6,
        p50 / 1e6, p95 / 1e6, p99 / 1e6, {k: v for k, v in failures.items() if v}, cpu, workers,
        received,
    )  # fmt: skip


Runner = Callable[[Server, Scenario, int, float], Result]


def measure(server: Server, scenario: Scenario, runner: Runner, config: Config) -> Result:
    """A warm-up run (every worker builds its caches), then the measured run.

    gunicorn's gthread workers keep the keep-alive connections they accept, and the clients
    open theirs in one burst: now and then most land on one worker, which then serves alone
    (one core) while the other idles. Such a run says more about that race than about OMS,
    so it is redone, up to ``REDOS`` times; the report lists the splits of the runs redone.
    """
    clients = scenario.clients or config.clients
    if config.warmup > 0:
        runner(server, scenario, clients, config.warmup)
    discarded: list[str] = []
    result = runner(server, scenario, clients, config.seconds)
    while result.lopsided and clients >= config.workers and len(discarded) < REDOS:
        discarded.append(result.split)
        _progress(f"{scenario.name} [{result.client}]: worker split {result.split}; again")
        result = runner(server, scenario, clients, config.seconds)
    result = dataclasses.replace(result, discarded=tuple(discarded))
    _progress(
        f"{scenario.name} [{result.client}]: {result.rate:,.0f} req/s, "
        f"p50 {format_seconds(result.p50)}, p95 {format_seconds(result.p95)}, "
        f"p99 {format_seconds(result.p99)}, {result.errors} error(s)"
    )
    return result


def wrk_version() -> str | None:
    """The installed ``wrk``'s version, or None when it is not installed."""
    if shutil.which("wrk") is None:
        return None
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    words = (done.stdout + done.stderr).split()
    return words[1] if len(words) > 1 else "?"


def run_all(server: Server, ontology: Ontology, config: Config, wrk: bool) -> list[Result]:
    """Every scenario with the Python clients, and the read-only ones with ``wrk`` too."""
    plan = scenarios(ontology)
    for scenario in plan:
        if scenario.read_only:
            probe(server, scenario)
    results = []
    reads = [s for s in plan if s.read_only]
    writes = [s for s in plan if not s.read_only]
    for scenario in reads:
        results.append(measure(server, scenario, run_python, config))
    if wrk:
        for scenario in reads:
            results.append(measure(server, scenario, run_wrk, config))
    for scenario in writes:
        probe(server, scenario)
        results.append(measure(server, scenario, run_python, config))
    return results


# -- the report --------------------------------------------------------------------------------


def _cpu(result: Result, part: str) -> str:
    value = result.cpu_per_request(part)
    return "–" if value is None else f"{value * 1e3:.2f}"


def results_table(results: Sequence[Result]) -> str:
    """Per scenario and client: requests, errors, requests/s and latency percentiles."""
    rows = [
        [
            r.scenario, r.client, f"{r.requests:,}", f"{r.errors:,}", f"{r.rate:,.1f}",
            format_seconds(r.p50), format_seconds(r.p95), format_seconds(r.p99),
        ]
        for r in results
    ]  # fmt: skip
    headers = ["scenario", "client", "requests", "errors", "req/s", "p50", "p95", "p99"]
    return render_table(headers, rows)


def cpu_table(results: Sequence[Result]) -> str:
    """Per scenario and client: CPU per request of each process, and the machine's other load."""
    rows = [
        [
            r.scenario, r.client, f"{r.received / r.requests / 1024:.1f}" if r.requests else "–",
            _cpu(r, "app"), r.split, _cpu(r, "db"), _cpu(r, "client"),
            f"{r.cpu['other'] / r.elapsed:.2f}" if "other" in r.cpu and r.elapsed else "–",
        ]
        for r in results
    ]  # fmt: skip
    headers = [
        "scenario", "client", "KB/response", "gunicorn ms/req", "worker split %",
        "PostgreSQL ms/req", "client ms/req", "other load (cores)",
    ]  # fmt: skip
    return render_table(headers, rows)


def ratio_table(results: Sequence[Result]) -> str:
    """Each API scenario's requests/s as a share of the bare view's, per client."""
    bare = {r.client: r for r in results if r.scenario == BARE}
    rows = [
        [r.scenario, r.client, f"{r.rate:,.1f}", f"{bare[r.client].rate:,.1f}",
         f"{r.rate / bare[r.client].rate:.3f}"]
        for r in results
        if r.scenario != BARE and r.client in bare and bare[r.client].rate
    ]  # fmt: skip
    return render_table(["scenario", "client", "req/s", "bare req/s", "share of bare"], rows)


@dataclass(frozen=True)
class Target:
    """One target of the issue, checked against one client's figures."""

    name: str
    client: str
    value: str
    ok: bool


def targets(results: Sequence[Result]) -> list[Target]:
    """The issue's targets, for each load generator that measured the scenario."""
    by_key = {(r.scenario, r.client): r for r in results}
    found: list[Target] = []
    for client in ("python", "wrk"):
        bare, get, put, creates = (by_key.get((s, client)) for s in (BARE, GET, PUT, CREATES))
        if bare and get and bare.rate:
            share = get.rate / bare.rate
            found.append(
                Target(f"GET one ≥ {GET_SHARE_TARGET:.0%} of bare req/s", client,
                       f"{share:.1%}", share >= GET_SHARE_TARGET)
            )  # fmt: skip
        if get:
            found.append(
                Target(f"GET one p95 < {GET_P95_TARGET * 1e3:.0f} ms", client,
                       format_seconds(get.p95), get.p95 < GET_P95_TARGET)
            )  # fmt: skip
        if put:
            ok = put.p95 < PUT_P95_TARGET
            found.append(
                Target(f"PUT p95 < {PUT_P95_TARGET * 1e3:.0f} ms", client,
                       format_seconds(put.p95), ok)
            )  # fmt: skip
        if creates:
            found.append(
                Target(f"batch of {BATCH} creates p50 < {CREATES_P50_TARGET * 1e3:.0f} ms",
                       client, format_seconds(creates.p50), creates.p50 < CREATES_P50_TARGET)
            )  # fmt: skip
    return found


def notes(results: Sequence[Result]) -> list[str]:
    """One line per scenario with errors or redone runs, and one if the machine was busy."""
    found = [
        f"errors in {r.scenario} [{r.client}]: "
        + ", ".join(f"{k} × {v}" for k, v in sorted(r.failures.items()))
        for r in results
        if r.failures
    ]
    found += [
        f"{r.scenario} [{r.client}]: run redone {len(r.discarded)} time(s), its connections had "
        f"landed unevenly on the workers (CPU split {', '.join(r.discarded)})"
        for r in results
        if r.discarded
    ]
    busiest = max((r.cpu.get("other", 0.0) / r.elapsed for r in results if r.elapsed), default=0)
    if busiest > BUSY:
        found.append(
            f"note: the machine was busy with other work during the run (up to {busiest:.2f} "
            "cores on average during a scenario): these figures are pessimistic."
        )
    return found


def report(results: Sequence[Result], config: Config, load: float, facts: dict[str, str]) -> str:
    """The tables, the targets and the verdict."""
    checked = targets(results)
    parts = [
        f"OMS API on gunicorn {facts['gunicorn']} (gthread, {config.workers} workers x "
        f"{config.threads} threads), PostgreSQL {facts['postgres']}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs; {config.types:,} object types x "
        f"{PROPERTIES} properties on branch '{BRANCH}' (database set up in {facts['setup']}, "
        f"ontology loaded in {format_seconds(load)}, {LOAD_BATCH} creates per commit); "
        f"{config.clients} concurrent clients, "
        f"{config.seconds:g} s per scenario after {config.warmup:g} s of warm-up; "
        f"Redis: {facts['redis']}; wrk: {facts['wrk']}; OMS at {facts['revision']}.",
        "",
        results_table(results),
        "",
        "CPU time per request (all cores; 'other load': CPU busy with anything else, on average)",
        "",
        cpu_table(results),
        "",
        "Requests/s as a share of the bare view's (same client)",
        "",
        ratio_table(results),
        "",
        render_table(
            ["target", "client", "measured", "result"],
            [[t.name, t.client, t.value, mark(t.ok)] for t in checked],
        ),
    ]
    remarks = notes(results)
    if remarks:
        parts += ["", *remarks]
    missed = [f"{t.name} [{t.client}]" for t in checked if not t.ok]
    parts += ["", "all targets met." if not missed else "targets missed: " + "; ".join(missed)]
    return "\n".join(parts)


def versions(config: Config) -> dict[str, str]:
    """Versions of gunicorn and PostgreSQL, and OMS's git revision, for the report."""
    import gunicorn
    import psycopg

    try:
        with psycopg.connect(f"{config.postgres.rstrip('/')}/postgres") as connection:
            row = connection.execute("SHOW server_version").fetchone()
    except psycopg.OperationalError as exc:
        raise SystemExit(f"PostgreSQL at {config.postgres} does not answer: {exc}") from None
    describe = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    )
    return {
        "gunicorn": gunicorn.__version__,
        "postgres": str(row[0]).split()[0] if row else "?",
        "revision": describe.stdout.strip() or "an unknown revision",
    }


# -- entry point -------------------------------------------------------------------------------


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive integer")
    return value


def _duration(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number of seconds")
    return value


def parse_args(argv: Sequence[str] | None = None) -> Config:
    """The command line (``--quick`` changes the defaults of ``--types`` and ``--seconds``)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 types, 2 s per scenario")
    parser.add_argument("--types", type=_positive, help="object types (default 2000)")
    parser.add_argument("--seconds", type=_duration, help="measured seconds per scenario (10)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds per scenario (2)")
    parser.add_argument("--clients", type=_positive, default=8, help="concurrent clients (8)")
    parser.add_argument("--workers", type=_positive, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=_positive, default=4, help="threads per worker (4)")
    parser.add_argument("--no-wrk", action="store_true", help="Python clients only")
    parser.add_argument("--postgres", default=POSTGRES, help=f"server URL ({POSTGRES})")
    args = parser.parse_args(argv)
    return Config(
        types=args.types or (200 if args.quick else 2000),
        seconds=args.seconds or (2.0 if args.quick else 10.0),
        warmup=args.warmup if args.warmup is not None else (0.5 if args.quick else 2.0),
        clients=args.clients,
        workers=args.workers,
        threads=args.threads,
        use_wrk=not args.no_wrk,
        postgres=args.postgres,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Set up, load, measure, print the report, and clean up whatever happens."""
    config = parse_args(argv)
    # Ctrl-C, kill and a closed terminal all end the run through the clean-up below (SIGINT
    # too when the benchmark was started with it ignored, as shells do for background jobs).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, _interrupt)
    started = time.perf_counter()
    wrk = wrk_version() if config.use_wrk else None
    facts = {**versions(config), "wrk": wrk or ("not installed" if config.use_wrk else "off")}
    ontology = Ontology.build(config.types)
    try:
        with running_server(config) as server:
            load = load_ontology(server, ontology)
            _progress(f"{config.types:,} object types loaded in {format_seconds(load)}")
            results = run_all(server, ontology, config, wrk is not None)
            facts.update(server.facts)
    except KeyboardInterrupt:
        _progress("interrupted; the server and the database are gone")
        return 130
    print(report(results, config, load, facts))
    print(f"\nWhole run {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
