"""Starting the workbench: Django from the environment, the database, accounts and keys, the demo portal."""
from __future__ import annotations

import dataclasses
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from portal.errors import PortalError

# the demo's five people of one chain (宣教科's news), a second informant, and the site administrator
DEMO_PEOPLE = ("sun.lixin", "du.xiaoming", "wu.guoqing", "xu.chunyan", "li.xiaoming", "chen.xiuying", "yang.zhiqiang",
               "tang.li")
DEMO_FILES = ("columns.yml", "roster.yml", "accepted.yml", "calendar.yml")
DEMO_FOLDERS = ("content",)


def configure(data: Path, server: str, site_url: str = "", site_dir: str = "", hosts: str = "") -> None:
    """Set the environment the settings read, then set Django up and bring the database up to date."""
    os.environ["PORTAL_WEB_DATA"] = str(data)
    os.environ["PORTAL_WEB_SERVER"] = server
    os.environ.setdefault("PORTAL_WEB_SITE_URL", site_url)
    os.environ.setdefault("PORTAL_WEB_SITE_DIR", site_dir)
    if hosts:
        os.environ.setdefault("PORTAL_WEB_HOSTS", hosts)
    os.environ["DJANGO_SETTINGS_MODULE"] = "workbench.settings"
    data.mkdir(parents=True, exist_ok=True)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def enrol(person: str, password: str) -> str:
    """Create (or reset) the account of a roster person and a new signing key; return its public key line.

    The key must then be entered in roster.yml, a configuration change that goes through its own chain."""
    from django.contrib.auth.models import User

    from . import signing
    from .models import SigningKey

    private, public = signing.generate(password, f"{person}@workbench")
    user, _ = User.objects.get_or_create(username=person)
    user.set_password(password)
    user.save()
    SigningKey.objects.update_or_create(user=user, defaults={"private": private, "public": public})
    return public


def new_password() -> str:
    return "yj-" + secrets.token_urlsafe(9)


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise PortalError(f"git {' '.join(args[:2])} 失败：{proc.stderr.strip()}")
    return proc.stdout


def set_roster_key(roster: str, person: str, key: str) -> str:
    """roster.yml's text with one person's `key:` line replaced (comments and layout kept)."""
    lines = roster.split("\n")
    start = next((i for i, line in enumerate(lines) if re.match(rf"^\s*-\s+id:\s*{re.escape(person)}\s*$", line)), None)
    if start is not None:
        for i in range(start + 1, len(lines)):
            if re.match(r"^\s*-\s+id:", lines[i]) or not lines[i].startswith(" "):
                break
            m = re.match(r"^(\s+key:\s*)\S", lines[i])
            if m:
                lines[i] = m.group(1) + " ".join(key.split()[:2])
                return "\n".join(lines)
    raise PortalError(f"roster.yml 中找不到 {person} 的 key 行")


@dataclasses.dataclass
class Demo:
    folder: Path
    work: Path
    server: Path
    published: Path
    data: Path
    passwords: dict[str, str]
    publish_problem: str = ""


def make_demo(source: Path, folder: Path | None = None, passwords: dict[str, str] | None = None,
              publish: bool = True) -> Demo:
    """A throwaway copy of the demo portal as a git repository, its bare server repository with the hooks,
    fresh keys for the demo accounts (their public keys in the copy's roster.yml), published once."""
    from review import hooks

    folder = folder or Path(tempfile.mkdtemp(prefix="portal-demo-"))
    work, server, published, data = folder / "portal", folder / "server.git", folder / "published", folder / "data"
    work.mkdir(parents=True)
    for name in DEMO_FILES:
        if (source / name).is_file():
            shutil.copyfile(source / name, work / name)
    for name in DEMO_FOLDERS:
        shutil.copytree(source / name, work / name)
    configure(data, str(server), hosts="127.0.0.1,localhost")
    chosen = {p: (passwords or {}).get(p) or new_password() for p in DEMO_PEOPLE}
    roster = (work / "roster.yml").read_text(encoding="utf-8")
    for person, password in chosen.items():
        roster = set_roster_key(roster, person, enrol(person, password))
    (work / "roster.yml").write_text(roster, encoding="utf-8")
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "-c", "user.name=演示", "-c", "user.email=demo@workbench.invalid", "commit", "-q",
        "-m", "演示门户：初始状态（演示账号的新公钥）")
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(server)], check=True, capture_output=True)
    hooks.install(server, published)
    sha = git(work, "rev-parse", "HEAD").strip()
    if not publish:
        return Demo(folder, work, server, published, data, chosen)
    proc = subprocess.run([sys.executable, "-m", "portal", "--root", str(work), "publish", "--to", str(published),
                           "--commit", sha], capture_output=True, text=True)
    problem = "" if proc.returncode == 0 else f"演示网站首次发布失败（合并稿件时会再次发布）：{proc.stderr.strip()[-500:]}"
    return Demo(folder, work, server, published, data, chosen, problem)


def serve(host: str, port: int, threads: int = 8) -> None:
    from django.conf import settings
    from waitress import serve as waitress_serve

    from .wsgi import application

    waitress_serve(application, host=host, port=port, threads=threads, ident="portal-web",
                   max_request_body_size=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
