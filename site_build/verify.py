"""Checking a served site against the manifest of its release (网页防篡改), on disk or over HTTP."""
from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from portal.errors import PortalError

from . import manifest as mf
from . import publish
from .publish import LOG, MANIFEST, RELEASES, SITE, Layout

TIMEOUT = 10.0
WORKERS = 8


@dataclasses.dataclass
class Located:
    manifest: mf.Manifest
    manifest_path: Path
    site: Path | None  # the directory on disk, if there is one
    layout: Layout | None  # the publish directory the manifest belongs to
    problems: list[str]  # the manifest or the `current` link do not match the log


def locate(where: Path | None, manifest_path: Path | None = None) -> Located:
    """Find the site and its manifest from a publish directory, its `current` or `site`, a release, or a site dir.

    A publish directory (or its `current`) is checked against the live release, whose manifest must
    carry the sha256 logged when it was published. A release that is not live has no tree: its files
    are checked in the store (whether a rollback to it would restore its exact bytes).
    """
    layout, release, site = _resolve(where) if where is not None else (None, None, None)
    if manifest_path is None:
        if layout is None or release is None:
            raise PortalError(f"{where}: 找不到发布清单。请指定 portal publish 的发布目录（或其中的 current、某个版本目录），"
                              "或用 --manifest 指定 manifest.json")
        manifest_path = layout.manifest(release)
    elif layout is None:
        layout, release, _ = _resolve(manifest_path.parent)
    manifest, sha = mf.read(manifest_path)
    problems = []
    if layout is not None and release is not None and manifest_path.absolute() == layout.manifest(release).absolute():
        logged = layout.logged_sha(release)
        if logged != sha:
            problems.append(f"发布清单 {manifest_path} 的 sha256（{sha[:12]}…）与 {layout.log} 的记录"
                            f"（{(logged or '无记录')[:12]}…）不一致：清单被改动过，核验结果不可信")
    if layout is not None and site is not None and layout.releases.is_dir():
        link = layout.link_problem()
        if link:
            problems.append(link)
        pending = layout.pending()
        if pending is not None:
            problems.append(f"版本 {pending} 的发布在写入在用网站的途中中断，网站中的文件分属新旧两个版本（每个文件都完整）。"
                            f"请运行 portal publish --to {layout.root} 完成它，或 portal rollback --dir {layout.root}")
    return Located(manifest, manifest_path, site, layout, problems)


def _resolve(where: Path) -> tuple[Layout | None, str | None, Path | None]:
    """(publish layout, release, directory to check: None for a release kept only in the store)."""
    if (where / RELEASES).is_dir() and ((where / "current").is_symlink() or (where / SITE).is_dir()):
        layout = Layout(where.absolute())
        return layout, layout.live(), layout.current if layout.current.is_symlink() else layout.live_site
    real = Path(os.path.realpath(where))
    if (real.parent / RELEASES).is_dir() and (real.parent / LOG).is_file() and real.name in (SITE, "current"):
        layout = Layout(real.parent)
        return layout, layout.live(), where
    if (real / MANIFEST).is_file() and real.parent.name == RELEASES:
        layout = Layout(real.parent.parent)
        return layout, real.name, layout.live_site if real.name == layout.live() else None
    return None, None, where


@dataclasses.dataclass
class Report:
    target: str
    over_http: bool
    located: Located
    diff: mf.Diff
    unreadable: dict[str, str] = dataclasses.field(default_factory=dict)  # path -> why (HTTP only)
    checked: int | None = None  # files compared, when not all of the manifest
    new_since: str | None = None  # with --new: the release the new files are counted against
    new: list[str] = dataclasses.field(default_factory=list)  # files that differ from that release
    confirmed: list[str] = dataclasses.field(default_factory=list)  # of those, the ones seen live

    @property
    def ok(self) -> bool:
        return self.diff.clean and not self.unreadable and not self.located.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target, "mode": "http" if self.over_http else "disk",
            "release": self.located.manifest.release, "manifest": str(self.located.manifest_path),
            "files": len(self.located.manifest.files), "checked": self.checked or len(self.located.manifest.files),
            "ok": self.ok, **self.diff.as_dict(),
            "added_checked": not self.over_http, "unreadable": self.unreadable, "problems": self.located.problems,
            "new_since": self.new_since, "new": self.new, "confirmed": self.confirmed,
        }

    def recovery(self) -> str:
        return _recovery(self.located)

    def text(self) -> str:
        m = self.located.manifest
        lines = [f"核验 {self.target}（版本 {m.release}，清单 {self.located.manifest_path}，{len(m.files)} 个文件）"]
        lines += [f"清单异常：{p}" for p in self.located.problems]
        if self.over_http and self.new_since is not None:
            lines.append(f"与上一版本 {self.new_since or '（无）'} 相比新增或更新 {len(self.new)} 个文件，"
                         f"已逐个访问，确认上线 {len(self.confirmed)} 个：")
            lines += [f"  已上线：{p}" for p in self.confirmed]
        lines += [f"被修改：{p}" for p in self.diff.changed]
        lines += [f"新增：{p}（清单中没有此文件）" for p in self.diff.added]
        lines += [f"缺失：{p}" for p in self.diff.missing]
        lines += [f"无法读取：{p}（{why}）" for p, why in sorted(self.unreadable.items())]
        if self.over_http and self.checked == len(m.files):
            lines.append("说明：通过 HTTP 无法列出服务器上多出的文件；新增文件请在服务器上用 portal verify-site DIR 核验。")
        if self.ok:
            lines.append(f"核验通过：{len(m.files) if self.checked is None else self.checked} 个文件与发布清单一致。")
        else:
            counts = f"修改 {len(self.diff.changed)}，新增 {len(self.diff.added)}，缺失 {len(self.diff.missing)}"
            counts += f"，无法读取 {len(self.unreadable)}" if self.unreadable else ""
            lines.append(f"发现异常：{counts}。网页可能被篡改，请立即排查。{self.recovery()}")
        return "\n".join(lines)


def _recovery(located: Located) -> str:
    layout = located.layout
    where = str(layout.root) if layout is not None else "发布目录"
    return (f"恢复：portal rollback --dir {where} 切换回上一个版本（各版本不共用文件，在用网站被改写不会波及它们，"
            f"回滚时逐个核对在用网站的文件，被改动的一并从存储中恢复），或 portal publish --to {where} --full 重新发布"
            f"（完整构建，并重写在用网站中与之不同的每个文件）。")


def verify_dir(located: Located, site: Path | None) -> Report:
    """Compare a directory with the manifest; without one (a release kept only in the store), the store's objects."""
    if site is None:
        assert located.layout is not None
        files = located.manifest.files
        report = Report(f"{located.layout.store}（版本 {located.manifest.release} 的文件）", False, located,
                        mf.compare(files, publish.stored(located.layout, files)))
        return report
    actual = mf.scan(site)
    return Report(str(site), False, located, mf.compare(located.manifest.files, actual))


def new_pages(located: Located) -> tuple[str | None, list[str]]:
    """(previous release, files that differ from it), for confirming that a publish went live."""
    layout = located.layout
    release = located.manifest.release
    if layout is None or not layout.releases.is_dir():
        return None, sorted(located.manifest.files)
    previous = located.manifest.previous
    if layout.journal(release).is_file() and previous is not None:
        ops, _ = publish.read_journal(layout, release)
        return previous, sorted(op.path for op in ops if op.new is not None)
    previous = layout.previous(release)
    if previous is None:
        return None, sorted(located.manifest.files)
    before, _ = mf.read(layout.manifest(previous))
    files = located.manifest.files
    return previous, sorted(p for p, e in files.items() if before.files.get(p) != e)


def verify_url(located: Located, url: str, *, new: bool = False, only_new: bool = False,
               timeout: float = TIMEOUT) -> Report:
    """Fetch every file of the manifest from `url` and compare sha256; with `new`, the new pages first.

    `only_new` fetches only the files that differ from the previous release (confirming a publish).
    """
    if not url.endswith("/"):
        url += "/"
    files = located.manifest.files
    new = new or only_new
    since, fresh = new_pages(located) if new else (None, [])
    order = fresh + ([] if only_new else sorted(set(files) - set(fresh)))
    if order:
        _fetch(url, order[0], timeout)  # fail at once, with one message, if the server is down
    results: dict[str, mf.Entry | str] = {}
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        for path, got in zip(order, pool.map(lambda p: _fetch(url, p, timeout), order), strict=True):
            results[path] = got
    missing = sorted(p for p, got in results.items() if got == "404")
    unreadable = {p: got for p, got in results.items() if isinstance(got, str) and got != "404"}
    changed = sorted(p for p, got in results.items() if isinstance(got, mf.Entry) and got != files[p])
    report = Report(url, True, located, mf.Diff(changed, [], missing), unreadable, checked=len(order))
    if new:
        report.new_since, report.new = since or "", fresh
        report.confirmed = [p for p in fresh if results[p] == files[p]]
    return report


def _fetch(base: str, path: str, timeout: float) -> mf.Entry | str:
    """The size and sha256 of one file over HTTP, "404" if absent, or why it could not be read."""
    url = base + urllib.parse.quote(path)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http(s) only, checked below
            data = response.read()
    except urllib.error.HTTPError as exc:
        return "404" if exc.code in (404, 410) else f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, ConnectionRefusedError):
            raise PortalError(f"无法连接 {base}：连接被拒绝。请确认网站服务已启动，地址和端口正确") from None
        if isinstance(reason, socket.timeout | TimeoutError):
            raise PortalError(f"访问 {url} 超时（{timeout:g} 秒）。请确认网站服务正常，或用 --timeout 加长等待") from None
        raise PortalError(f"无法访问 {url}：{reason}") from None
    return mf.Entry(len(data), mf.sha256_bytes(data))


def check_url(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise PortalError(f"网址“{url}”无效，应形如 http://127.0.0.1:8000/")
    return url
