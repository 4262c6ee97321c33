"""The workbench under load: 20 concurrent users on a 10,000-item portal; page and preview times, errors.

    .venv/bin/python -m bench.bench_workbench [--items 10000] [--users 20] [--rounds 10] [--threads 8]

Builds the portal with bench.generate, sets it up like `portal web --demo` (git repository, bare server
repository with the hooks, accounts with encrypted keys), submits --pending items through the workbench so
reviewers have a queue, then serves it with waitress in a separate process (`--threads` worker threads, as
`portal web` does) and runs --users client threads at once, each logged in with its own session:
informants open 我的稿件 and post live previews of their draft; reviewers open 待我审核 and a submission's
review page (the page as published, the diff, the findings and the chain). Every response must be 200.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.generate import generate

INFORMANTS = ("sun.lixin", "du.xiaoming")
REVIEWERS = ("wu.guoqing",)
PASSWORD = "bench-password-2026"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Session:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=120) as r:
            return r.status, r.read().decode()

    def post(self, path: str, data: dict[str, object], token_from: str) -> tuple[int, str]:
        token = next((c.value for c in self.jar if c.name == "csrftoken"), None)
        if token is None:  # the CSRF cookie comes with the first form page
            _, page = self.get(token_from)
            found = CSRF.search(page)
            token = found.group(1) if found else ""
        fields = [(k, v) for k, vs in data.items() for v in (vs if isinstance(vs, list) else [vs])]
        body = urllib.parse.urlencode([("csrfmiddlewaretoken", token)] + fields).encode()
        req = urllib.request.Request(self.base + path, body, headers={"Referer": self.base + token_from})
        with self.opener.open(req, timeout=120) as r:
            return r.status, r.read().decode()

    def login(self, person: str) -> None:
        status, _ = self.post("/login/", {"username": person, "password": PASSWORD}, "/login/")
        assert status == 200


def fields(title: str, author: str) -> dict[str, object]:
    return {"column": "news", "title": title, "date": "2026-11-21T10:00", "event_date": "2026-11-21",
            "source": "云江市应急管理局宣传教育科", "department": "宣教科", "kind": "动态", "importance": "一般",
            "authors": [author], "body": "11月21日，市应急管理局开展安全生产宣传咨询活动。\n\n" * 20,
            "reviewer_初审": "wu.guoqing", "reviewer_保密审查": "xu.chunyan", "reviewer_复审": "li.xiaoming",
            "reviewer_终审": "chen.xiuying"}


def new_draft(s: Session) -> str:
    s.post("/items/new/", {"column": "news"}, "/items/new/")
    _, page = s.get("/items/")
    return re.findall(r'href="(/drafts/\d+/)"', page)[0]


def submit(base: str, person: str, title: str) -> None:
    s = Session(base)
    s.login(person)
    url = new_draft(s)
    _, page = s.get(url)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    s.post(url, {"version": version, "action": "submit", "password": PASSWORD, **fields(title, person)}, url)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--pending", type=int, default=5)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    os.environ.setdefault("PORTAL_WEB_HOSTS", "127.0.0.1")
    folder = Path(tempfile.mkdtemp(prefix="bench-workbench-"))
    t0 = time.perf_counter()
    generate(folder / "source", args.items)
    from workbench import setup

    demo = setup.make_demo(folder / "source", folder / "demo", {p: PASSWORD for p in setup.DEMO_PEOPLE}, publish=False)
    print(f"门户 {args.items} 篇稿件、服务器仓库与账号就绪：{time.perf_counter() - t0:.0f} 秒")
    port = free_port()
    env = dict(os.environ, PORTAL_WEB_DATA=str(demo.data), PORTAL_WEB_SERVER=str(demo.server))
    code = ("from pathlib import Path; import os; from workbench import setup; "
            "setup.configure(Path(os.environ['PORTAL_WEB_DATA']), os.environ['PORTAL_WEB_SERVER']); "
            f"setup.serve('127.0.0.1', {port}, {args.threads})")
    server = subprocess.Popen([sys.executable, "-c", code], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/login/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        for i in range(args.pending):
            submit(base, INFORMANTS[i % len(INFORMANTS)], f"基准测试待审稿件{i + 1}")
        times: dict[str, list[float]] = {"page": [], "preview": []}
        errors: list[str] = []
        lock = threading.Lock()

        def user(n: int) -> None:
            person = (INFORMANTS + REVIEWERS)[n % 3]
            s = Session(base)
            try:
                s.login(person)
                draft = new_draft(s) if person in INFORMANTS else ""
                review = ""
                if not draft:
                    _, queue = s.get("/queue/")
                    links = re.findall(r'href="(/review/\?[^"]+)"', queue)
                    review = links[n % len(links)].replace("&amp;", "&") if links else "/queue/"
                for r in range(args.rounds):
                    calls = [("page", draft or review, None), ("page", "/items/" if draft else "/queue/", None)]
                    if draft:
                        calls.append(("preview", draft + "preview/", {"version": 1, **fields(f"预览{n}-{r}", person)}))
                    for kind, path, data in calls:
                        start = time.perf_counter()
                        status, _ = s.get(path) if data is None else s.post(path, data, draft)
                        took = time.perf_counter() - start
                        with lock:
                            times[kind].append(took)
                            if status != 200:
                                errors.append(f"{kind} {status}")
            except Exception as exc:  # noqa: BLE001 - every failure is counted, none stops the others
                with lock:
                    errors.append(f"{person}: {exc!r}")

        threads = [threading.Thread(target=user, args=(n,)) for n in range(args.users)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = sum(len(v) for v in times.values())
    print(f"{args.users} 个并发用户，{args.items} 篇稿件，{total} 个请求，用时 {wall:.1f} 秒，错误 {len(errors)} 个")
    for kind, values in times.items():
        if values:
            print(f"  {kind:8} {len(values):5} 次  p50 {percentile(values, 0.5):7.0f} ms  p95 {percentile(values, 0.95):7.0f} ms"
                  f"  平均 {statistics.mean(values) * 1000:7.0f} ms")
    for e in errors[:10]:
        print("  错误：", e)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
