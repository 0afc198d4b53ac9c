"""Page speed against `make cluster`, with nginx serving a static copy as the reference.

    python bench/pages.py [--duration 10] [--connections 32] [--article grand-canal-grain]
                          [--comments-article undersea-cables --comments 200]
                          [--reader reader --password reader-demo-pass]

Needs `make install` and nginx + wrk (`scripts/ensure-cluster-packages.sh`, which `make cluster` runs).
Starts the loopback cluster (deploy/cluster.py) if it is not running, and stops it afterwards
only if it started it (unless --keep). Its ports come from the CLUSTER_* variables (deploy/cluster.py),
so a second checkout on the same machine can run its own. Logs in `--reader` (the demo reader by default),
who buys the articles from their wallet through the paywall form if they have not yet, and measures
with wrk, in one run:
  - nginx serving a static copy of the exact bytes of the anonymous article page (the reference),
  - the paid article page for an anonymous reader,
  - the same page for the signed-in, entitled reader,
  - a second paid article with `--comments` comments (half of them replies), for the same entitled
    reader (the bench writes the comments into the cluster's database once, as ten bench readers),
  - the home page.
Prints requests per second, p50 and p99 latency, each figure's ratio to nginx, the share of
non-2xx answers, and the memory of each app-server worker after the run (goal: at most 150 MiB RSS
each, issue 23). Everything goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / "var" / "cluster"
CLUSTER = [sys.executable, str(ROOT / "deploy" / "cluster.py")]
LOCKED_MARK = b'class="article-body locked-content"'
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) Byline-bench/1.0"
GOALS = {"anonymous article": 0.05, "entitled article": 0.01, "entitled + comments": 0.01}
WORKER_RSS_GOAL_KIB = 150 * 1024

# Written into the cluster's database by `seed_comments`, in the app servers' environment: top-level
# comments and replies to them (one level, as the product allows), by ten bench readers. Once: a second
# run finds them there. The article's cached parts are moved on, as a new comment moves them.
SEED_COMMENTS = """
import sys
import django
django.setup()
from django.contrib.auth import get_user_model
from byline.articles import page_cache
from byline.articles.models import Article
from byline.comments.markup import render_comment
from byline.comments.models import Comment, CommentStatus

slug, total = sys.argv[1], int(sys.argv[2])
article = Article.objects.get(slug=slug)
have = Comment.objects.filter(article=article, status=CommentStatus.VISIBLE).count()
if have < total:
    User = get_user_model()
    writers = [User.objects.get_or_create(username=f"bench-commenter-{n}",
                                          defaults={"email": f"bench-commenter-{n}@example.org"})[0]
               for n in range(10)]
    missing = total - have
    text = "A reader's thoughts, number {n}: the *paid* part was worth it, and here is why."
    firsts = Comment.objects.bulk_create([
        Comment(article=article, reader=writers[n % 10], body_markdown=text.format(n=n),
                body_html=render_comment(text.format(n=n))) for n in range((missing + 1) // 2)])
    Comment.objects.bulk_create([
        Comment(article=article, reader=writers[(n + 1) % 10], parent=firsts[n % len(firsts)],
                body_markdown=text.format(n=1000 + n), body_html=render_comment(text.format(n=1000 + n)))
        for n in range(missing // 2)])
    page_cache.parts_changed(slug)
print(Comment.objects.filter(article=article, status=CommentStatus.VISIBLE).count())
"""


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


# --- HTTP helpers (loopback only) --------------------------------------------------------------------

def request(base: str, method: str, path: str, *, cookies: dict[str, str] | None = None,
            body: dict[str, str] | None = None) -> tuple[int, dict[str, list[str]], bytes]:
    parts = urlsplit(base)
    assert parts.hostname == "127.0.0.1", "benchmarks only ever talk to 127.0.0.1"
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=15)
    headers = {"Host": f"127.0.0.1:{parts.port}"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    payload = None
    if body is not None:
        payload = urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    header_map: dict[str, list[str]] = {}
    for key, value in response.getheaders():
        header_map.setdefault(key.lower(), []).append(value)
    content = response.read()
    connection.close()
    return response.status, header_map, content


def cookies_from(headers: dict[str, list[str]]) -> dict[str, str]:
    jar = SimpleCookie()
    for line in headers.get("set-cookie", []):
        jar.load(line)
    return {name: morsel.value for name, morsel in jar.items()}


def log_in(base: str, username: str, password: str) -> dict[str, str]:
    status, headers, content = request(base, "GET", "/en/accounts/login/")
    cookies = cookies_from(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
    if status != 200 or token is None or "csrftoken" not in cookies:
        sys.exit(f"bench: the login page did not answer as expected (status {status})")
    status, headers, _ = request(base, "POST", "/en/accounts/login/", cookies=cookies, body={
        "username": username, "password": password, "csrfmiddlewaretoken": token.group(1).decode()})
    cookies.update(cookies_from(headers))
    if status != 302 or "sessionid" not in cookies:
        sys.exit(f"bench: could not log in as {username} (status {status})")
    return {name: value for name, value in cookies.items() if value}  # a browser keeps every cookie set


_UNLOCK_LINK = re.compile(rb'<a class="button button-primary" href="(/en/unlock/[\w-]+/)">')
_FORM = re.compile(rb'<form method="post" action="(/en/unlock/[\w-]+/)"[^>]*>(.*?)</form>', re.S)
_HIDDEN = re.compile(rb'<input type="hidden" name="(\w+)" value="([^"]*)">')


def buy_from_wallet(base: str, path: str, cookies: dict[str, str]) -> None:
    """Unlock the article the way a reader does: the paywall's "Unlock ... from my balance" link, then the
    confirmation page's form (price, balance now and after), submitted with every field it carries."""
    _, _, page = request(base, "GET", path, cookies=cookies)
    link = _UNLOCK_LINK.search(page)
    if link is None:
        sys.exit("bench: the reader is not entitled and the paywall offers no wallet unlock (balance too low?)")
    _, _, confirmation = request(base, "GET", link.group(1).decode(), cookies=cookies)
    form = _FORM.search(confirmation)
    if form is None:
        sys.exit("bench: the confirmation page has no form to confirm the unlock")
    body = {name.decode(): value.decode() for name, value in _HIDDEN.findall(form.group(2))}
    status, _, _ = request(base, "POST", form.group(1).decode(), cookies=cookies, body=body)
    if status not in (302, 303):
        sys.exit(f"bench: the unlock answered {status}")


# --- wrk ---------------------------------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not match:
        raise ValueError(f"unexpected latency {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def wrk(name: str, url: str, *, duration: int, connections: int, threads: int, cookie: str = "") -> Result:
    # A browser's User-Agent: wrk sends none, and a request without one is taken for a bot, which
    # skips the view counting every reader's page does.
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
            "-H", f"User-Agent: {BROWSER_UA}"]
    if cookie:
        argv += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*argv, url], capture_output=True, text=True, check=True,
                            timeout=duration + 30).stdout
    percentiles = dict(re.findall(r"^[ \t]+(50|99)(?:\.0+)?%[ \t]+(\S+)[ \t]*$", output, re.M))
    if set(percentiles) != {"50", "99"}:
        sys.exit(f"bench: could not read wrk's output for {name}:\n{output}")
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    error_count = int(errors.group(1)) if errors else 0
    if socket_errors:
        error_count += sum(int(n) for n in socket_errors.groups())
    return Result(name=name, rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
                  p50_ms=_ms(percentiles["50"]), p99_ms=_ms(percentiles["99"]),
                  requests=requests, errors=error_count)


# --- app-server memory ---------------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
    return kids


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in KiB; PSS splits pages shared with the master (preload) fairly."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


HEAVY_LIBRARIES = ("numpy", "scipy", "sklearn", "rjieba", "jieba", "torch")


def heavy_modules(pid: int) -> str:
    """Which heavy libraries a worker has loaded, from the shared objects it maps (a pure-Python import
    shows only as its compiled extensions; jieba's dictionary as rjieba's)."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return "?"
    return ", ".join(name for name in HEAVY_LIBRARIES if f"/site-packages/{name}" in maps)


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def worker_memory() -> list[tuple[str, int, int, int]]:
    rows = []
    for pid_path in sorted(RUN_DIR.glob("app-*.pid")):
        master = int(pid_path.read_text())
        for worker in _children(master):
            rss, pss = _memory_kb(worker)
            rows.append((pid_path.stem, worker, rss, pss))
    return rows


# --- the run --------------------------------------------------------------------------------------------

def seed_comments(slug: str, total: int) -> int:
    """Write `total` visible comments under `slug` in the cluster's database; returns how many it holds."""
    sys.path.insert(0, str(ROOT / "deploy"))
    import cluster  # deploy/cluster.py: the environment the app servers run with

    env = cluster.app_env(cluster.Config.from_env())
    out = subprocess.run([sys.executable, "-c", SEED_COMMENTS, slug, str(total)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        sys.exit(f"bench: could not write the comments:\n{out.stderr[-2000:]}")
    return int(out.stdout.split()[-1])


def cluster_url() -> str | None:
    info = RUN_DIR / "cluster.json"
    if not info.exists():
        return None
    url = json.loads(info.read_text())["url"]
    try:
        status, _, _ = request(url, "GET", "/healthz")
    except OSError:
        return None
    return url if status == 200 else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--article", default="grand-canal-grain", help="slug of a paid article")
    parser.add_argument("--comments-article", default="undersea-cables",
                        help="slug of a second paid article, measured with --comments comments under it")
    parser.add_argument("--comments", type=int, default=200)
    parser.add_argument("--reader", default="reader",
                        help="the signed-in reader; buys the article from the wallet first if not entitled")
    parser.add_argument("--password", default="reader-demo-pass")
    parser.add_argument("--keep", action="store_true", help="leave a cluster this script started running")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench: wrk is missing: run scripts/ensure-cluster-packages.sh")

    base = cluster_url()
    started = base is None
    try:
        if started:
            subprocess.run(CLUSTER + ["start"], check=True, timeout=900)
            base = cluster_url()
            if base is None:
                sys.exit("bench: the cluster did not come up")
        results = run(base, args)
    finally:
        if started and not args.keep:
            subprocess.run(CLUSTER + ["stop"], check=False, timeout=120)
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=2))
    return 0


def entitled_page(base: str, path: str, session: dict[str, str], reader: str) -> bytes:
    """The article page as the signed-in reader, who buys it first if they may not read it yet."""
    _, _, anonymous_bytes = request(base, "GET", path)
    if LOCKED_MARK in anonymous_bytes:
        sys.exit(f"bench: the anonymous page {path} carries the locked part; refusing to benchmark a leak")
    status, _, entitled_bytes = request(base, "GET", path, cookies=session)
    if status == 200 and LOCKED_MARK not in entitled_bytes:
        buy_from_wallet(base, path, session)
        status, _, entitled_bytes = request(base, "GET", path, cookies=session)
    if status != 200 or LOCKED_MARK not in entitled_bytes:
        sys.exit(f"bench: {reader} is not entitled to {path} and could not buy it")
    return entitled_bytes


def run(base: str, args: argparse.Namespace) -> list[Result]:
    article_path = f"/en/articles/{args.article}/"
    status, _, anonymous_bytes = request(base, "GET", article_path)
    if status != 200 or b'class="paywall"' not in anonymous_bytes:
        sys.exit(f"bench: {article_path} is not a paid article page for anonymous readers (status {status})")
    session = log_in(base, args.reader, args.password)
    entitled_page(base, article_path, session, args.reader)
    comments_path = f"/en/articles/{args.comments_article}/"
    comment_count = seed_comments(args.comments_article, args.comments)
    commented_bytes = entitled_page(base, comments_path, session, args.reader)
    shown = commented_bytes.count(b'class="comment')
    if shown < args.comments:
        sys.exit(f"bench: {comments_path} shows {shown} comments to {args.reader}, not {args.comments}")
    static_dir = RUN_DIR / "bench-static"
    static_dir.mkdir(parents=True, exist_ok=True)
    (static_dir / "article.html").write_bytes(anonymous_bytes)
    # The reference for the page with comments: as many bytes, from the anonymous page of that article padded
    # with an HTML comment (never the entitled bytes: this folder is served to anyone on the loopback).
    _, _, commented_anonymous = request(base, "GET", comments_path)
    padding = max(0, len(commented_bytes) - len(commented_anonymous) - len(b"<!--  -->"))
    (static_dir / "comments.html").write_bytes(commented_anonymous + b"<!-- " + b"x" * padding + b" -->")
    cookie = "; ".join(f"{name}={value}" for name, value in session.items())

    targets = [
        ("nginx static copy", f"{base}/bench-static/article.html", ""),
        ("anonymous article", f"{base}{article_path}", ""),
        ("entitled article", f"{base}{article_path}", cookie),
        ("nginx, comments size", f"{base}/bench-static/comments.html", ""),
        ("entitled + comments", f"{base}{comments_path}", cookie),
        ("home page", f"{base}/en/", ""),
    ]
    # Each figure's reference: nginx serving as many bytes (the page with comments is several times larger).
    references = {"entitled + comments": "nginx, comments size"}
    common = {"connections": args.connections, "threads": args.threads}
    for name, url, cookie_header in targets:  # warm caches and workers
        wrk(name, url, duration=2, cookie=cookie_header, **common)
    results = []
    for name, url, cookie_header in targets:
        results.append(wrk(name, url, duration=args.duration, cookie=cookie_header, **common))
        time.sleep(1)

    by_name = {result.name: result for result in results}
    print(f"\nByline page benchmark: wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
          f"{len(anonymous_bytes)} bytes page, {base}; load average {load_average()}")
    print(f"entitled + comments: {args.comments_article}, {comment_count} comments, "
          f"{len(commented_bytes)} bytes for the entitled reader (against nginx serving as many bytes)")
    print(f"{'target':<20} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'vs nginx':>9} {'errors':>7}  goal")
    for result in results:
        reference = by_name[references.get(result.name, "nginx static copy")]
        ratio = result.rps / reference.rps if reference.rps else 0.0
        goal = GOALS.get(result.name)
        verdict = "" if goal is None else f"≥ {goal:.0%}: {'met' if ratio >= goal else 'NOT met'}"
        print(f"{result.name:<20} {result.rps:>10.0f} {result.p50_ms:>9.2f} {result.p99_ms:>9.2f} "
              f"{ratio:>9.2%} {result.errors:>7}  {verdict}")
    memory = worker_memory()
    if memory:
        print(f"\napp-server workers after the run (KiB): RSS / PSS; goal RSS ≤ {WORKER_RSS_GOAL_KIB // 1024} MiB")
        for server, pid, rss, pss in memory:
            verdict = "met" if rss <= WORKER_RSS_GOAL_KIB else "NOT met"
            print(f"  {server} worker {pid}: {rss} / {pss}  {verdict}  heavy modules: {heavy_modules(pid) or 'none'}")
        print(f"  total RSS {sum(r[2] for r in memory) // 1024} MiB, total PSS {sum(r[3] for r in memory) // 1024} MiB")
    return results


if __name__ == "__main__":
    sys.exit(main())
