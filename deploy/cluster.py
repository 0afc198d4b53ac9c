"""Run Byline as a small production cluster on this machine's loopback: `make cluster` / `make cluster-stop`.

    python deploy/cluster.py start     PostgreSQL and Redis (started only if not already running),
                                       two app servers, a Celery worker and beat, nginx in front;
                                       migrates, collects static files, loads the demo, prints the URL
    python deploy/cluster.py stop      stops exactly the processes `start` started (pid files in var/cluster/)
    python deploy/cluster.py status    which of them run
    python deploy/cluster.py env       the environment the app servers run with (for manage.py by hand)
    python deploy/cluster.py restart-postgres [SECONDS]   fault drill: stop the cluster's own PostgreSQL,
                                       wait SECONDS (default 3), start it again
    python deploy/cluster.py stop-redis / start-redis    fault drill: the cluster's own Redis

Everything listens on 127.0.0.1 only. Settings, all optional (environment):
    CLUSTER_PORT=8080          nginx
    CLUSTER_APP_PORTS=8101,8102  one app server per port
    CLUSTER_SERVER=granian     or gunicorn (deploy/gunicorn.conf.py); see deploy/README.md for the choice
    CLUSTER_WORKERS=2          worker processes per app server
    CLUSTER_DB=byline_cluster  database (created if missing)
    CLUSTER_PG_PORT=5433       the cluster's own PostgreSQL (initdb in var/cluster/pg, started and stopped
                               with the cluster), so fault drills can restart it without touching the
                               machine's shared server. CLUSTER_PG_PORT=5432 uses the shared one instead.
    CLUSTER_REDIS_PORT=6380    the cluster's own Redis (started and stopped with the cluster);
                               CLUSTER_REDIS_URL overrides it (then drills cannot stop Redis)
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
RUN_DIR = Path(os.environ.get("CLUSTER_RUN_DIR", ROOT / "var" / "cluster"))
VENV_BIN = Path(sys.executable).parent
PG_HOST = "127.0.0.1"
SHARED_PG_PORT = 5432
PG_PORT = int(os.environ.get("CLUSTER_PG_PORT", "5433"))
REDIS_PORT = int(os.environ.get("CLUSTER_REDIS_PORT", "6380"))
SMTP_PORT = int(os.environ.get("CLUSTER_SMTP_PORT", "2525"))  # deploy/mailsink.py: every e-mail lands in var/
OWN_PG_DIR = RUN_DIR / "pg"


@dataclass(frozen=True)
class Config:
    port: int
    app_ports: tuple[int, ...]
    server: str
    workers: int
    database: str
    redis_url: str
    own_postgres: bool = True
    own_redis: bool = True

    @classmethod
    def from_env(cls) -> Config:
        return cls(
            port=int(os.environ.get("CLUSTER_PORT", "8080")),
            app_ports=tuple(int(p) for p in os.environ.get("CLUSTER_APP_PORTS", "8101,8102").split(",")),
            server=os.environ.get("CLUSTER_SERVER", "granian"),
            workers=int(os.environ.get("CLUSTER_WORKERS", "2")),
            database=os.environ.get("CLUSTER_DB", "byline_cluster"),
            redis_url=os.environ.get("CLUSTER_REDIS_URL", f"redis://127.0.0.1:{REDIS_PORT}/0"),
            own_postgres=PG_PORT != SHARED_PG_PORT,
            own_redis="CLUSTER_REDIS_URL" not in os.environ,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@{PG_HOST}:{PG_PORT}/{self.database}"


def log(message: str) -> None:
    print(f"cluster: {message}", flush=True)


# --- processes we start and stop -------------------------------------------------------------------

def pid_file(name: str) -> Path:
    return RUN_DIR / f"{name}.pid"


def read_pid(name: str) -> int | None:
    try:
        return int(pid_file(name).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


# Each process we start, by name, and a word its command line must contain, so a pid that was
# recycled by the system after a crash is never signalled by mistake.
SIGNATURES = {"nginx": "nginx", "celery-beat": "celery", "celery-worker": "celery", "redis": "redis-server",
              "mail-sink": "mailsink"}


def signature(name: str) -> str:
    return SIGNATURES.get(name, "gunicorn" if name.startswith("app-") else name)


def running(name: str) -> int | None:
    pid = read_pid(name)
    if pid is None:
        return None
    cmdline = command_line(pid)
    if not cmdline or (signature(name) not in cmdline and "granian" not in cmdline):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def spawn(name: str, argv: list[str], env: dict[str, str]) -> int:
    """Start `argv` in its own session (so it outlives this script), logging to var/cluster/NAME.log."""
    log_file = open(RUN_DIR / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log_file,
                               stderr=subprocess.STDOUT, start_new_session=True)
    pid_file(name).write_text(str(process.pid))
    return process.pid


def stop_process(name: str, sig: signal.Signals = signal.SIGTERM, wait_s: float = 20) -> None:
    pid = running(name)
    if pid is None:
        pid_file(name).unlink(missing_ok=True)
        return
    log(f"stopping {name} (pid {pid})")
    os.kill(pid, sig)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        if _is_zombie(pid):
            break
        time.sleep(0.1)
    if Path(f"/proc/{pid}").exists() and not _is_zombie(pid):
        log(f"{name} did not stop in {wait_s:.0f} s: killing its process group")
        os.killpg(pid, signal.SIGKILL)
    pid_file(name).unlink(missing_ok=True)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True


# --- PostgreSQL and Redis: reuse the running ones, start them only when absent ---------------------

def postgres_ready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", PG_HOST, "-p", str(PG_PORT)], check=False).returncode == 0


def pg_bin(name: str) -> str:
    versions = sorted(Path("/usr/lib/postgresql").iterdir(), key=lambda p: [int(x) for x in p.name.split(".")])
    return str(versions[-1] / "bin" / name) if versions else name


def as_postgres(argv: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def own_postgres_ctl(action: str) -> None:
    """start / stop the cluster's own PostgreSQL in var/cluster/pg (on CLUSTER_PG_PORT, loopback only)."""
    if action == "start":
        if not (OWN_PG_DIR / "PG_VERSION").exists():
            log(f"creating the cluster's own PostgreSQL in {OWN_PG_DIR}")
            OWN_PG_DIR.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(OWN_PG_DIR, "postgres", "postgres")
            OWN_PG_DIR.chmod(0o700)
            subprocess.run(as_postgres([pg_bin("initdb"), "-D", str(OWN_PG_DIR), "-U", "postgres", "--auth=trust",
                                        "-E", "UTF8", "--locale=C.UTF-8"]), check=True, stdout=subprocess.DEVNULL)
        options = f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -k {OWN_PG_DIR} -c fsync=off -c max_connections=200"
        subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", str(OWN_PG_DIR), "-l", str(OWN_PG_DIR / "server.log"),
                                    "-o", options, "-w", "-t", "30", "start"]), check=True, stdout=subprocess.DEVNULL)
    else:
        subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", str(OWN_PG_DIR), "-m", "fast", "-w", "-t", "30",
                                    "stop"]), check=False, stdout=subprocess.DEVNULL)


def ensure_postgres() -> None:
    if postgres_ready():
        return
    if PG_PORT != SHARED_PG_PORT:
        log(f"starting the cluster's own PostgreSQL on 127.0.0.1:{PG_PORT}")
        own_postgres_ctl("start")
        (RUN_DIR / "started-own-postgres").write_text(str(PG_PORT))
        wait_for(postgres_ready, "PostgreSQL", 30)
        return
    versions = sorted(Path("/etc/postgresql").iterdir(), key=lambda p: [int(x) for x in p.name.split(".")])
    if not versions:
        sys.exit("cluster: PostgreSQL is not installed (apt-get install postgresql)")
    version = versions[-1].name
    log(f"starting PostgreSQL {version}")
    subprocess.run(["pg_ctlcluster", version, "main", "start"], check=True)
    (RUN_DIR / "started-postgres").write_text(version)
    wait_for(postgres_ready, "PostgreSQL", 30)


def restart_postgres(down_s: float = 3.0) -> None:
    """Fault drill: the cluster's own PostgreSQL goes away for `down_s` seconds, then comes back."""
    if PG_PORT == SHARED_PG_PORT:
        sys.exit("cluster: refusing to restart the shared PostgreSQL on 5432")
    log("stopping the cluster's PostgreSQL (fault drill)")
    own_postgres_ctl("stop")
    time.sleep(down_s)
    log("starting the cluster's PostgreSQL again")
    own_postgres_ctl("start")
    wait_for(postgres_ready, "PostgreSQL", 30)


def redis_ready() -> bool:
    try:
        return subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(REDIS_PORT), "ping"],
                              capture_output=True, check=False, timeout=3).stdout.strip() == b"PONG"
    except (OSError, subprocess.TimeoutExpired):
        return False


def ensure_redis(env: dict[str, str]) -> None:
    if redis_ready():
        return
    log("starting Redis")
    spawn("redis", ["redis-server", "--bind", "127.0.0.1", "--port", str(REDIS_PORT), "--save", "",
                    "--appendonly", "no", "--daemonize", "no"], env)
    wait_for(redis_ready, "Redis", 15)


def ensure_database(config: Config) -> None:
    import psycopg

    with psycopg.connect(host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config.database]).fetchone()
        if not exists:
            log(f"creating database {config.database}")
            conn.execute(f'CREATE DATABASE "{config.database}"')


# --- Byline itself ----------------------------------------------------------------------------------

def secret_key() -> str:
    path = RUN_DIR / "secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def app_env(config: Config) -> dict[str, str]:
    """Production mode, on plain HTTP over loopback."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("BYLINE_", "DJANGO_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "byline.settings",
        "SECRET_KEY": secret_key(),
        "DATABASE_URL": config.database_url,
        "REDIS_URL": config.redis_url,
        "CELERY_BROKER_URL": config.redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": config.url,
        "BYLINE_SITE_URL": config.url,
        "BYLINE_SSL_REDIRECT": "0",
        "BYLINE_SECURE_COOKIES": "0",
        "BYLINE_BEHIND_PROXY": "1",  # nginx on loopback: log-in and API limits count each client's address
        # Every benchmark client shares 127.0.0.1, so the per-address search limit would turn a soak's searches
        # into 429s; a deployment on real addresses keeps the defaults (README settings table).
        "BYLINE_SEARCH_RATE_PER_IP": os.environ.get("CLUSTER_SEARCH_RATE_PER_IP", "1000000000"),
        "BYLINE_SEARCH_RATE_PER_READER": os.environ.get("CLUSTER_SEARCH_RATE_PER_READER", "1000000000"),
        "BYLINE_CACHE_PREFIX": f"cluster-{config.database}",
        "BYLINE_LOG_FORMAT": "json",
        "DB_CONN_MAX_AGE": "300",
        "PYTHONDONTWRITEBYTECODE": "1",
        # Real SMTP to the cluster's own sink (deploy/mailsink.py), which writes .eml files the staff page lists.
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(SMTP_PORT),
        "BYLINE_MAIL_DIR": str(RUN_DIR / "mail"),
    })
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def granian_options(*, workers: int) -> list[str]:
    """How Byline runs under granian, here and on app machines (deploy/README.md): WSGI, one thread per
    worker (Django's connections are per thread), and a worker grown past 512 MiB is replaced, as
    gunicorn's max_requests would."""
    return ["--interface", "wsgi", "--workers", str(workers), "--blocking-threads", "1", "--no-ws",
            "--respawn-failed-workers", "--workers-max-rss", "512"]


def app_server_argv(config: Config, port: int) -> list[str]:
    if config.server == "granian":
        return [str(VENV_BIN / "granian"), *granian_options(workers=config.workers), "--host", "127.0.0.1",
                "--port", str(port), "byline.wsgi:application"]
    return [str(VENV_BIN / "gunicorn"), "byline.wsgi:application", "-c", str(DEPLOY / "gunicorn.conf.py")]


def start_app_server(config: Config, index: int, port: int, env: dict[str, str]) -> int:
    name = f"app-{index}"
    server_env = dict(env, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=str(config.workers),
                      GUNICORN_NAME=f"byline-{name}", GUNICORN_CONTROL_SOCKET=str(RUN_DIR / f"{name}.ctl"))
    return spawn(name, app_server_argv(config, port), server_env)


def render_nginx(config: Config) -> Path:
    (RUN_DIR / "nginx-tmp").mkdir(exist_ok=True)
    (RUN_DIR / "nginx-cache").mkdir(exist_ok=True)
    (RUN_DIR / "bench-static").mkdir(exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in config.app_ports)
    text = (DEPLOY / "nginx.conf").read_text()
    for key, value in {
        "NGINX_WORKERS": "2", "RUN_DIR": str(RUN_DIR), "STATIC_ROOT": str(ROOT / "staticfiles"),
        "UPSTREAM_SERVERS": servers, "LISTEN": f"127.0.0.1:{config.port}",
    }.items():
        text = text.replace("{{" + key + "}}", value)
    path = RUN_DIR / "nginx.conf"
    path.write_text(text)
    return path


def wait_for(ready, what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.3)
    sys.exit(f"cluster: {what} did not come up within {seconds:.0f} s; logs are in {RUN_DIR}")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def component_names(config: Config) -> list[str]:
    return [f"app-{i}" for i in range(1, len(config.app_ports) + 1)] + ["celery-worker", "celery-beat", "nginx",
                                                                        "mail-sink"]


def start(config: Config) -> None:
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    if not shutil.which("nginx"):
        sys.exit("cluster: nginx is missing: run scripts/ensure-cluster-packages.sh (make cluster does)")
    if any(running(name) for name in component_names(config)):
        log(f"already running (python deploy/cluster.py status); Byline is at {config.url}/")
        return
    env = app_env(config)
    ensure_postgres()
    if config.own_redis:
        ensure_redis(env)
    ensure_database(config)
    spawn("mail-sink", [sys.executable, str(DEPLOY / "mailsink.py"), "--port", str(SMTP_PORT),
                        "--dir", str(RUN_DIR / "mail")], env)
    log("migrating, collecting static files, loading the demo")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    manage(env, "load_demo")
    for index, port in enumerate(config.app_ports, start=1):
        start_app_server(config, index, port, env)
    celery = str(VENV_BIN / "celery")
    spawn("celery-worker", [celery, "-A", "byline.celery", "worker", "--concurrency", "1", "--loglevel", "INFO",
                            "--hostname", f"byline-worker@{config.port}"], env)
    spawn("celery-beat", [celery, "-A", "byline.celery", "beat", "--loglevel", "INFO",
                          "--schedule", str(RUN_DIR / "celerybeat-schedule")], env)
    conf = render_nginx(config)
    subprocess.run(["nginx", "-t", "-q", "-c", str(conf), "-p", str(RUN_DIR)], check=True)
    spawn("nginx", ["nginx", "-c", str(conf), "-p", str(RUN_DIR)], env)
    for port in config.app_ports:
        wait_for(lambda port=port: http_ok(f"http://127.0.0.1:{port}/healthz"), f"app server on {port}", 60)
    wait_for(lambda: http_ok(f"{config.url}/healthz"), "nginx", 20)
    (RUN_DIR / "cluster.json").write_text(json.dumps({"url": config.url, "app_ports": config.app_ports,
                                                      "server": config.server, "database": config.database,
                                                      "pg_port": PG_PORT, "redis_port": REDIS_PORT,
                                                      "own_postgres": config.own_postgres,
                                                      "own_redis": config.own_redis}))
    log(f"up: {len(config.app_ports)} {config.server} app servers x {config.workers} workers, "
        f"Celery worker and beat, nginx, a mail sink on {SMTP_PORT}")
    print(f"\nByline is at {config.url}/   (make cluster-stop stops it)\n", flush=True)


def stop(config: Config) -> None:
    for name in ["nginx", "celery-beat", "celery-worker", *[f"app-{i}" for i in range(1, 10)], "mail-sink"]:
        stop_process(name, signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
    stop_process("redis")
    if (RUN_DIR / "started-own-postgres").exists():
        log("stopping the cluster's own PostgreSQL")
        own_postgres_ctl("stop")
        (RUN_DIR / "started-own-postgres").unlink()
    started_pg = RUN_DIR / "started-postgres"
    if started_pg.exists():
        version = started_pg.read_text().strip()
        log(f"stopping PostgreSQL {version} (this cluster started it)")
        subprocess.run(["pg_ctlcluster", version, "main", "stop"], check=False)
        started_pg.unlink()
    (RUN_DIR / "cluster.json").unlink(missing_ok=True)
    log("stopped")


def status(config: Config) -> int:
    down = 0
    for name in [*component_names(config), "redis"]:
        pid = running(name)
        if pid is None and name == "redis":
            continue
        print(f"{name:<14} {'running, pid ' + str(pid) if pid else 'not running'}")
        down += pid is None
    return 1 if down else 0


def main(argv: list[str]) -> int:
    config = Config.from_env()
    action = argv[1] if len(argv) > 1 else "status"
    if action == "start":
        start(config)
    elif action == "stop":
        stop(config)
    elif action == "status":
        return status(config)
    elif action == "restart-postgres":
        restart_postgres(float(argv[2]) if len(argv) > 2 else 3.0)
    elif action == "stop-redis":
        stop_process("redis")
    elif action == "start-redis":
        ensure_redis(app_env(config))
    elif action == "env":
        for key, value in sorted(app_env(config).items()):
            if key.startswith(("BYLINE_", "DATABASE_", "REDIS_", "CELERY_", "DJANGO_", "ALLOWED_", "CSRF_")):
                print(f"export {key}={value}")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
