"""Gunicorn settings for a Byline app server; every value can be overridden from the environment.

One app server per machine (or several per machine, on different ports, as `make cluster` does).
nginx in front buffers slow clients, so a worker is busy only while Django works. Workers are
`gthread` with 2 threads: nginx keeps its connections to them open (a sync worker closes each one),
and while one thread waits for Redis or PostgreSQL the other works. On the entitled article page
that measured about 800 against 645 requests a second for sync workers, and less CPU per request
(`bench/pages.py`, 2 cores; 1 thread: about 700, 4 threads: about 660). Each thread holds its own
database connection. `preload_app` loads Django once in the master so the workers share its memory;
`max_requests` recycles a worker now and then so memory stays flat over weeks.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
# Request limits: Django enforces the body size; these bound the request line and headers.
limit_request_line = 8190
limit_request_fields = 100
proc_name = os.environ.get("GUNICORN_NAME", "byline")
# Each app server gets its own control socket (or none), so two on one machine never share one.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
# Access lines are written by nginx; set GUNICORN_ACCESS_LOG=- to have the app servers write them too.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = (
    '{"ts": "%(t)s", "method": "%(m)s", "path": "%(U)s", "status": %(s)s, "bytes": "%(B)s", "ms": %(M)s}'
)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
