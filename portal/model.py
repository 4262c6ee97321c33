"""The content model: one Portal with its Columns, People and Articles, loaded and validated once.

Every other part (checks, review, site build, reports) reads these objects.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import clock, textfile, yamlfile
from .config import IMPORTANCE, Column, Config, ConfigError, Stage, suggest
from .config import load as load_config
from .errors import ERROR, Finding

CONTENT = "content"
FILES_DIR = "files"  # content/<column>/files/ holds attachments
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})-")

REQUIRED = ("title", "date", "source", "department", "type", "author", "reviewers")
OPTIONAL = ("importance", "event_date", "doc_number", "reprint", "attachments", "summary", "tags", "draft",
            "scheduled", "adoption", "index_number", "topic", "issuer", "validity", "validity_date", "interprets")
KEYS = REQUIRED + OPTIONAL
KEY_TITLES = {
    "title": "标题", "date": "发布日期", "source": "信息来源", "department": "发布部门", "type": "文种",
    "author": "撰稿人", "reviewers": "审核人", "importance": "重要程度", "event_date": "信息产生日期",
    "doc_number": "发文字号", "reprint": "转载信息", "attachments": "附件", "summary": "摘要", "tags": "标签",
    "draft": "草稿", "scheduled": "定时发布", "adoption": "采用情况", "index_number": "索引号", "topic": "主题分类",
    "issuer": "发文机关", "validity": "有效性", "validity_date": "废止或失效日期", "interprets": "所解读的政策文件",
}
VALIDITY = ("有效", "废止", "失效")  # 有效性 of a policy document; 废止 and 失效 take effect on validity_date
ADOPTION_LEVELS = ("市级", "省级", "国家级")


@dataclasses.dataclass(frozen=True)
class Reprint:
    site: str
    url: str
    time: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class Attachment:
    file: str  # path relative to the repository root
    title: str


@dataclasses.dataclass
class Article:
    path: str  # repository-relative, POSIX
    column: str
    slug: str
    head: str  # the file before the body: the front-matter with its fences (`text` is head + body)
    body: str
    body_line: int  # line of the file where the body starts
    meta: dict[str, Any]  # the raw front-matter
    lines: dict[str, int]  # dotted key -> line
    title: str = ""
    date: dt.datetime | None = None
    date_has_time: bool = False
    source: str = ""
    department: str = ""
    type: str = ""
    authors: tuple[str, ...] = ()
    reviewers: dict[str, str] = dataclasses.field(default_factory=dict)
    importance: str = "一般"
    event_date: dt.datetime | None = None
    doc_number: str = ""
    reprint: Reprint | None = None
    attachments: tuple[Attachment, ...] = ()
    summary: str = ""
    tags: tuple[str, ...] = ()
    draft: bool = False
    scheduled: bool = False
    adoption: tuple[str, ...] = ()
    index_number: str = ""  # 索引号 (policy documents; written by `portal index-number`)
    topic: str = ""  # 主题分类 (columns.yml policy.topics)
    issuer: str = ""  # 发文机关
    validity: str = "有效"  # 有效 / 废止 / 失效 (from validity_date on)
    validity_date: dt.datetime | None = None
    interprets: str = ""  # a 解读: its policy document, as written (path or 索引号; portal/policy.py resolves it)

    @property
    def text(self) -> str:
        """The whole file (kept in two parts: one copy of the body is enough at 100,000 items)."""
        return self.head + self.body

    def line_of(self, key: str) -> int:
        while key and key not in self.lines:
            key = key.rpartition(".")[0]
        return self.lines.get(key, 1)

    def is_public(self, now: dt.datetime | None = None) -> bool:
        """Published on a build at `now`: not a draft and not dated later (scheduled)."""
        now = now or clock.now()
        return not self.draft and self.date is not None and self.date <= now


@dataclasses.dataclass
class Portal:
    config: Config
    articles: list[Article]
    findings: list[Finding]
    complete: bool = True  # every item was loaded (False: only given paths); cross-item checks read the rest
    cache: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False, compare=False)

    @property
    def root(self) -> Path:
        return self.config.root

    @property
    def columns(self) -> dict[str, Column]:
        return self.config.columns

    def stages_for(self, article: Article) -> tuple[Stage, ...]:
        column = self.columns.get(article.column)
        return column.chain.for_importance(article.importance) if column else ()

    def in_column(self, column: str) -> list[Article]:
        """Articles of a column, newest first."""
        items = [a for a in self.articles if a.column == column and a.date is not None]
        return sorted(items, key=lambda a: (a.date, a.path), reverse=True)  # type: ignore[arg-type, return-value]


def load(root: Path | str = ".", paths: Iterable[str] | None = None) -> Portal:
    """Load the portal at `root`. With `paths`, read only those items (plus what cross-checks need)."""
    root = Path(root).resolve()
    config = load_config(root)
    findings: list[Finding] = []
    if paths is None:
        files = _content_files(root, findings)
        findings += duplicate_slugs(files, files)
    else:
        files = _given_files(root, paths, findings)
        findings += duplicate_slugs(_siblings(root, files), files)
    articles = []
    base = str(root)
    # The items make millions of small dicts, lists and strings and no reference cycles: the cyclic
    # collector, run over all of them again and again as they accumulate, is work that grows with the
    # square of the portal's size. It is paused while they are built (as it was, it is afterwards).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for rel in files:
            with open(os.path.join(base, rel), "rb") as handle:
                data = handle.read()
            article, problems = parse_article(config, rel, data)
            findings += problems
            if article is not None:
                articles.append(article)
    finally:
        if collecting:
            gc.enable()
    return Portal(config, articles, findings, complete=paths is None)


def _finding(path: str, line: int, rule: str, message: str, category: str = "fields", column: int = 1) -> Finding:
    return Finding(path, line, column, rule, category, ERROR, message)


def _content_files(root: Path, findings: list[Finding]) -> list[str]:
    """Every Markdown item under content/; other files are findings unless they are attachments."""
    out: list[str] = []
    base = root / CONTENT
    if not base.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        in_files = FILES_DIR in Path(rel_dir).parts[2:3]
        for name in sorted(filenames) + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
            rel = f"{rel_dir}/{name}"
            if _outside(root, rel, findings):
                continue
            if in_files or name.startswith("."):
                continue
            if rel.endswith(".md"):
                out.append(rel)
            else:
                findings.append(_finding(rel, 1, "FILE-NOT-MARKDOWN",
                                         f"content/ 下只能放 .md 稿件；附件请放在 content/<栏目>/{FILES_DIR}/ 目录并在 attachments 中引用",
                                         "file"))
    return out


def _given_files(root: Path, paths: Iterable[str], findings: list[Finding]) -> list[str]:
    out = []
    for p in paths:
        full = (Path.cwd() / p) if not Path(p).is_absolute() else Path(p)
        try:
            rel = full.absolute().relative_to(root).as_posix()
        except ValueError:
            findings.append(_finding(str(p), 1, "FILE-OUTSIDE", "该文件不在门户仓库内，无法检查", "file"))
            continue
        if not rel.startswith(CONTENT + "/"):
            continue  # pre-commit passes every staged file; only items are ours
        if _outside(root, rel, findings):
            continue
        if not full.exists():  # pre-commit never passes deleted files: this is a mistyped path
            findings.append(_finding(rel, 1, "FILE-MISSING", "文件不存在。请检查路径是否写错（可用 `portal check` 不带参数检查全部稿件）", "file"))
            continue
        if Path(rel).parts[2:3] == (FILES_DIR,) or Path(rel).name.startswith("."):
            continue
        if not rel.endswith(".md"):
            findings.append(_finding(rel, 1, "FILE-NOT-MARKDOWN",
                                     f"content/ 下只能放 .md 稿件；附件请放在 content/<栏目>/{FILES_DIR}/ 目录", "file"))
            continue
        out.append(rel)
    return out


def _outside(root: Path, rel: str, findings: list[Finding]) -> bool:
    """A symlink under content/ would publish whatever it points at (roster.yml, .git, a file outside the
    repository) as if it had been reviewed: every one is an error, wherever it points."""
    parts = Path(rel).parts
    links = [root.joinpath(*parts[:n]) for n in range(2, len(parts) + 1) if root.joinpath(*parts[:n]).is_symlink()]
    if not links:
        return False
    path = links[0]
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    findings.append(_finding(path.relative_to(root).as_posix(), 1, "FILE-SYMLINK",
                             f"content/ 下不得有符号链接（该链接指向 {target}）：发布的将是它指向的文件，而那个文件没有经过审核。"
                             "请删除该链接，把文件本身复制到这里", "file"))
    return True


def slug_of(rel: str) -> str:
    stem = rel.rsplit("/", 1)[-1].removesuffix(".md")
    return DATE_PREFIX.sub("", stem)


def _siblings(root: Path, files: list[str]) -> list[str]:
    """Every item of the columns the given files belong to (names only, nothing is parsed)."""
    columns = {Path(f).parts[1] for f in files if len(Path(f).parts) > 2}
    out = []
    for column in sorted(columns):
        for path in sorted((root / CONTENT / column).rglob("*.md")):
            rel = path.relative_to(root)
            if FILES_DIR not in rel.parts[2:3]:
                out.append(rel.as_posix())
    return out


SLUG_DUP = "FILE-SLUG-DUP"


def duplicate_slugs(candidates: list[str], files: list[str]) -> list[Finding]:
    """Two items of one column with the same slug would share one web address: a finding for each of `files`
    whose slug an earlier path (in sorted order) of `candidates`, every item of their columns, already has."""
    findings = []
    wanted = set(files)
    seen: dict[tuple[str, str], str] = {}
    for rel in sorted(candidates):
        parts = rel.split("/")
        if len(parts) < 3:
            continue
        key = (parts[1], slug_of(rel).lower())
        if key in seen and rel in wanted:
            findings.append(_finding(rel, 1, SLUG_DUP,
                                     f"网址标识“{key[1]}”与 {seen[key]} 重复，两篇稿件会占用同一网址。请修改其中一个文件名",
                                     "file"))
        seen.setdefault(key, rel)
    return findings


_duplicate_slugs = duplicate_slugs  # its former name (checks/cache.py)


FM_MAX_BYTES = 64 * 1024  # front-matter holds a title, dates and ids; long text belongs in the body
LIST_KEYS = ("author", "tags", "adoption", "attachments")
_OPENING = re.compile(r"---[ \t]*\n")
_CLOSING = re.compile(r"^(---|\.\.\.)[ \t]*$", re.M)
# a fence typed with an input method: full-width or long dashes, 一 for a dash, spaced dashes, four or more
_FENCE_LIKE = re.compile(r"^[ \t\u3000]*(?:[-－—–―━─ー一_][ \t\u3000]*){2,}$")
_YAML_LIKE = re.compile(r"^(?:[ \t]|#|- |-$|[^\s:：#]{1,40}[:：]([ \t]|$))")


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Return (front-matter text, body, line where the body starts)."""
    opening = _OPENING.match(text)
    if opening is None:
        return None, text, 1
    end = _CLOSING.search(text, opening.end())
    if end is None:
        return None, text, 1
    fm = text[opening.end():end.start()]
    rest = text[end.end():]
    body_line = fm.count("\n") + 3
    if rest.startswith("\n"):
        rest = rest[1:]
    return fm, rest, body_line


def _no_front_matter(rel: str, text: str) -> Finding:
    """Why split_front_matter found none: no opening line, a fence typed wrongly, or no closing line."""
    first = text.split("\n", 1)[0]
    fix = "请让文件第一行为“---”（三个半角减号），其后是 YAML 字段，再以一行“---”结束"
    if _OPENING.match(text) is None:
        if _FENCE_LIKE.match(first):
            return _finding(rel, 1, "FM-MISSING", f"第一行“{first.strip()}”不是 front-matter 的开始标记（全角或长破折号不算）。{fix}")
        if not first.strip() and text.lstrip().startswith("---"):
            return _finding(rel, 1, "FM-MISSING", f"“---”之前有空行。{fix}（“---”之前不能有任何内容）")
        return _finding(rel, 1, "FM-MISSING", f"缺少 front-matter：{fix}")
    lines = text.split("\n", 2000)[1:2000]
    heading = None  # a run of "#" lines right before the body: YAML comments or the body's Markdown headings
    for number, line in enumerate(lines, 2):
        if _FENCE_LIKE.match(line):
            return _finding(rel, number, "FM-UNCLOSED",
                            f"front-matter 的结束标记应为一行半角的“---”（三个半角减号），这里写成了“{line.strip()}”。请改为“---”")
        if line.startswith("#"):
            heading = heading or number
            continue
        if line.strip() and _YAML_LIKE.match(line):
            heading = None
        elif line.strip():
            number = heading or number
            return _finding(rel, number, "FM-UNCLOSED",
                            f"front-matter 没有结束：第 1 行的“---”之后找不到结束的“---”，这一行看来已是正文。"
                            f"请在第 {number} 行之前（最后一个字段之后）加一行“---”")
    return _finding(rel, 1, "FM-UNCLOSED", "front-matter 没有结束：第 1 行的“---”之后找不到结束的“---”。"
                                          "请在最后一个字段之后加一行“---”，其后写正文")


def _yaml_finding(rel: str, exc: yamlfile.YamlError) -> Finding:
    if exc.rule == yamlfile.TOO_LARGE_RULE:
        return _finding(rel, 1, "FM-TOO-LARGE", f"front-matter {exc.problem}。front-matter 只放标题、日期、"
                                                "审核人等字段；长的文字请写进正文，附件请放在 files/ 目录")
    if isinstance(exc, yamlfile.DuplicateKey):
        rule, fix = "FM-DUPLICATE-KEY", "请删除重复的一项"
    else:
        rule, fix = exc.rule or "FM-YAML", "请修正 front-matter 的 YAML 语法"
    message = exc.problem if "请" in exc.problem else f"{exc.problem}。{fix}"
    return _finding(rel, exc.line, rule, message, column=exc.column)


def parse_article(config: Config, rel: str, data: bytes) -> tuple[Article | None, list[Finding]]:
    text, problems = textfile.decode(data, rel)
    if text is None:
        return None, problems
    parts = Path(rel).parts
    if len(parts) < 3:
        return None, [_finding(rel, 1, "FILE-COLUMN", "稿件必须放在 content/<栏目 id>/ 目录下", "file")]
    column = parts[1]
    findings: list[Finding] = []
    if column not in config.columns:
        return None, [_finding(rel, 1, "FM-COLUMN-UNKNOWN",
                               f"目录“{column}”不是 columns.yml 中的栏目。{suggest(column, config.columns)}请移到正确的栏目目录", "file")]
    slug = slug_of(rel)
    if not SLUG.match(slug):
        findings.append(_finding(rel, 1, "FILE-NAME",
                                 f"文件名“{Path(rel).name}”不合规：应为 YYYY-MM-DD-英文或拼音.md，只含小写字母、数字和连字符（它是网址的一部分）",
                                 "file"))
    fm, body, body_line = split_front_matter(text)
    if fm is None:
        findings.append(_no_front_matter(rel, text))
        return None, findings
    try:
        meta, lines = yamlfile.load(fm, first_line=2, max_bytes=FM_MAX_BYTES, list_keys=LIST_KEYS)
    except yamlfile.YamlError as exc:
        findings.append(_yaml_finding(rel, exc))
        return None, findings
    if not isinstance(meta, dict):
        hint = yamlfile.not_a_mapping(fm, 2)
        if hint is not None:
            findings.append(_finding(rel, hint[0], "FM-YAML", hint[2], column=hint[1]))
        else:
            findings.append(_finding(rel, 2, "FM-YAML", "front-matter 应为“键: 值”形式的映射（每行一项，半角冒号后加空格）"))
        return None, findings
    article = Article(rel, column, slug, text[:len(text) - len(body)], body, body_line, meta, lines)
    findings += _Validator(config, article).run()
    return article, findings


class _Validator:
    def __init__(self, config: Config, article: Article) -> None:
        self.config = config
        self.a = article
        self.findings: list[Finding] = []

    def error(self, key: str, rule: str, message: str, category: str = "fields") -> None:
        self.findings.append(_finding(self.a.path, self.a.line_of(key), rule, message, category))

    def _type_error(self, key: str, want: str, value: Any) -> None:
        self.error(key, "FM-TYPE", f"“{key}”（{KEY_TITLES.get(key.split('.')[0], key)}）应为{want}，实际是 {value!r}")

    def text(self, key: str, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return value.strip()
        self._type_error(key, "文本（含冒号或以数字开头时请加引号）", value)
        return str(value)

    def texts(self, key: str, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return (value.strip(),)
        if isinstance(value, list):
            return tuple(self.text(f"{key}.{i}", v) for i, v in enumerate(value))
        self._type_error(key, "文本或文本列表", value)
        return ()

    def flag(self, key: str, value: Any) -> bool:
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        self._type_error(key, " true 或 false", value)
        return False

    def when(self, key: str, value: Any) -> tuple[dt.datetime | None, bool]:
        if value is None or value == "":
            return None, False
        parsed = parse_when(value)
        if parsed is None:
            self.error(key, "FM-DATE-INVALID", f"“{key}”的值 {value!r} 不是有效日期。请写成 2025-05-12 或 2025-05-12 09:30", "date")
        return parsed or (None, False)

    def run(self) -> list[Finding]:
        a, meta = self.a, self.a.meta
        for key in meta:
            if key not in KEYS:
                half = unicodedata.normalize("NFKC", str(key)).strip().lower()
                hint = (f"其中有全角字符或空格，应写成半角的“{half}”。" if half in KEYS else suggest(key, KEYS))
                self.error(str(key), "FM-UNKNOWN-KEY", f"未知字段“{key}”。{hint}可用字段：{'、'.join(KEYS)}")
        for key in REQUIRED:
            if meta.get(key) in (None, "", [], {}):
                self.findings.append(_finding(a.path, a.line_of(key) if key in a.lines else 2, "FM-REQUIRED",
                                              f"缺少必填字段“{key}”（{KEY_TITLES[key]}）。请在 front-matter 中补写"))
        a.title = self.text("title", meta.get("title"))
        a.date, a.date_has_time = self.when("date", meta.get("date"))
        a.source = self.text("source", meta.get("source"))
        a.department = self.text("department", meta.get("department"))
        a.type = self.text("type", meta.get("type"))
        a.authors = tuple(x for x in self.texts("author", meta.get("author")) if x)
        a.importance = self.text("importance", meta.get("importance")) or "一般"
        a.event_date = self.when("event_date", meta.get("event_date"))[0]
        a.doc_number = self.text("doc_number", meta.get("doc_number"))
        a.summary = self.text("summary", meta.get("summary"))
        a.tags = self.texts("tags", meta.get("tags"))
        a.draft = self.flag("draft", meta.get("draft"))
        a.scheduled = self.flag("scheduled", meta.get("scheduled"))
        a.adoption = self.texts("adoption", meta.get("adoption"))
        self._policy()
        self._references()
        self._reviewers(meta.get("reviewers"))
        self._reprint(meta.get("reprint"))
        self._attachments(meta.get("attachments"))
        return self.findings

    def _references(self) -> None:
        a, cfg = self.a, self.config
        if a.department and a.department not in cfg.departments:
            self.error("department", "FM-DEPT-UNKNOWN", f"发布部门“{a.department}”不在 roster.yml 的 departments 中。{suggest(a.department, cfg.departments)}")
        if a.type and a.type not in cfg.kinds:
            self.error("type", "FM-KIND-UNKNOWN", f"文种“{a.type}”不是已知文种。{suggest(a.type, cfg.kinds)}可用：{'、'.join(cfg.kinds)}", "kind")
        for i, person in enumerate(a.authors):
            if person not in cfg.people:
                self.error(f"author.{i}" if isinstance(a.meta.get("author"), list) else "author", "FM-PERSON-UNKNOWN",
                           f"撰稿人“{person}”不在 roster.yml 中。{suggest(person, cfg.people)}请填写人员 id")
        if a.importance not in IMPORTANCE:
            self.error("importance", "FM-IMPORTANCE", f"重要程度应为 {'、'.join(IMPORTANCE)} 之一，实际是“{a.importance}”")
        for i, level in enumerate(a.adoption):
            if level not in ADOPTION_LEVELS:
                self.error(f"adoption.{i}", "FM-ADOPTION", f"采用情况应为 {'、'.join(ADOPTION_LEVELS)} 之一，实际是“{level}”")
        if a.date is not None and a.date > clock.now() and not a.scheduled and not a.draft:
            self.error("date", "FM-DATE-FUTURE",
                       f"发布日期 {format_when(a.date, a.date_has_time)} 晚于当前时间。伪造发布日期是政府网站检查的单项否决项；"
                       "如确为定时发布，请加 `scheduled: true`", "date")

    def _policy(self) -> None:
        """索引号, 主题分类, 发文机关, 有效性 (policy documents) and the document a 解读 interprets."""
        a, meta, cfg = self.a, self.a.meta, self.config
        column = cfg.columns.get(a.column)
        a.index_number = self.text("index_number", meta.get("index_number"))
        a.topic = self.text("topic", meta.get("topic"))
        a.issuer = self.text("issuer", meta.get("issuer"))
        a.interprets = self.text("interprets", meta.get("interprets"))
        a.validity = self.text("validity", meta.get("validity")) or "有效"
        a.validity_date = self.when("validity_date", meta.get("validity_date"))[0]
        pattern = (column.index_number if column else "") or cfg.policy.index_number
        if a.index_number and pattern:
            from .policy import index_regex  # policy imports this module

            if not index_regex(pattern, cfg.policy.site_code, a.column).fullmatch(a.index_number):
                self.error("index_number", "FM-INDEX-NUMBER",
                           f"索引号“{a.index_number}”不符合 columns.yml 规定的格式“{pattern}”。"
                           "请删除该行后运行 `portal index-number 稿件路径` 重新生成，不要手工编号")
        if a.topic and cfg.policy.topics and a.topic not in cfg.policy.topics:
            self.error("topic", "FM-TOPIC", f"主题分类“{a.topic}”不在 columns.yml 的 policy.topics 中。"
                                            f"{suggest(a.topic, cfg.policy.topics)}请从以下分类中选一个：{'、'.join(cfg.policy.topics)}")
        if a.validity not in VALIDITY:
            self.error("validity", "FM-VALIDITY", f"有效性应为 {'、'.join(VALIDITY)} 之一，实际是“{a.validity}”。"
                                                  "废止或失效的文件请同时写 validity_date（自该日起废止或失效）")
        elif a.validity != "有效" and a.validity_date is None and "validity_date" not in a.lines:
            self.error("validity", "FM-VALIDITY-DATE", f"有效性为“{a.validity}”时须写明{a.validity}日期，"
                                                       f"请加一行，如 validity_date: 2026-12-01（该日起{a.validity}；日期未到时仍显示为有效）")
        elif a.validity == "有效" and a.validity_date is not None:
            self.error("validity_date", "FM-VALIDITY-DATE", "有效的文件不写 validity_date。文件到期或将被废止时，"
                                                            "请写 validity: 失效（或 废止）和 validity_date: 该日期")
        if a.interprets and (column is None or column.policy != "interpretation"):
            self.error("interprets", "FM-INTERPRETS-COLUMN",
                       f"只有政策解读栏目的稿件才能写 interprets（所解读的政策文件），栏目“{column.title if column else a.column}”"
                       "不是政策解读栏目（columns.yml 中 policy: interpretation）。请把稿件移到政策解读栏目，或删除该行")

    def _reviewers(self, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            self._type_error("reviewers", "映射（审核环节: 人员 id），如“初审: zhang.san”", value)
            return
        for stage, person in value.items():
            key = f"reviewers.{stage}"
            if person is not None and not isinstance(person, str):
                self._type_error(key, "一个人员 id", person)
                continue
            person = self.text(key, person)
            if person and person not in self.config.people:
                self.error(key, "FM-PERSON-UNKNOWN", f"{stage}人“{person}”不在 roster.yml 中。{suggest(person, self.config.people)}请填写人员 id")
            self.a.reviewers[str(stage)] = person

    def _reprint(self, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            self._type_error("reprint", "映射，含 site、url、time", value)
            return
        for key in value:
            if key not in ("site", "url", "time"):
                self.error(f"reprint.{key}", "FM-UNKNOWN-KEY", f"转载信息中的未知字段“{key}”。{suggest(key, ('site', 'url', 'time'))}只能有 site、url、time")
        when = self.when("reprint.time", value.get("time"))[0]
        self.a.reprint = Reprint(self.text("reprint.site", value.get("site")), self.text("reprint.url", value.get("url")), when)

    def _attachments(self, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, list):
            self._type_error("attachments", "列表，每项为文件路径或 {file, title}", value)
            return
        out = []
        for i, item in enumerate(value):
            key = f"attachments.{i}"
            if isinstance(item, str):
                file, title = item, Path(item).name
            elif isinstance(item, dict) and isinstance(item.get("file"), str):
                file, title = item["file"], str(item.get("title") or Path(item["file"]).name)
            else:
                self._type_error(key, "文件路径或 {file: 路径, title: 名称}", item)
                continue
            problem = attachment_problem(file)
            if problem:
                self.error(key, "FM-ATTACHMENT-NAME", f"附件路径“{_printable(file)}”{problem}")
                continue
            rel = (Path(self.a.path).parent / file).as_posix() if not file.startswith(CONTENT + "/") else file
            rel = os.path.normpath(rel)
            out.append(Attachment(Path(rel).as_posix(), title))
        self.a.attachments = tuple(out)


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff\ud800-\udfff]")


def _printable(value: str) -> str:
    """`value` with every invisible character shown as <U+XXXX>, shortened for a message."""
    shown = _UNPRINTABLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", value[:200])
    return shown + ("…" if len(value) > 200 else "")


def attachment_problem(file: str) -> str:
    """What is wrong with an attachment path as written, or "" (where it points is the attachments check's)."""
    if not file.strip():
        return "是空的。请写附件的文件名，如 files/通知.pdf"
    if _UNPRINTABLE.search(file):
        return ("含有不可见的控制字符（多见于从网页或 Word 复制的文字）。请删除该项后重新输入文件名，"
                "并确认 files/ 目录中的文件名里也没有这样的字符")
    if file.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", file):
        return f"是绝对路径。请写相对于稿件的路径，如 {FILES_DIR}/通知.pdf（附件须放在本栏目的 {FILES_DIR}/ 目录中）"
    if "\\" in file:
        return f"用了反斜杠“\\”。路径请用“/”分隔，如 {FILES_DIR}/通知.pdf"
    if ".." in file.split("/"):
        return f"含有“..”（上一级目录）。附件须放在本栏目的 {FILES_DIR}/ 目录中，请写成 {FILES_DIR}/文件名"
    if file.endswith("/") or file.split("/")[-1] in ("", "."):
        return f"没有文件名（以“/”结尾）。请写成 {FILES_DIR}/文件名"
    if len(file.encode("utf-8", "surrogatepass")) > 1024 or any(len(p.encode("utf-8", "surrogatepass")) > 255 for p in file.split("/")):
        return "过长（文件名最多 255 字节）。请改用较短的文件名"
    return ""


_WHEN_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
                 "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日")


def parse_when(value: Any) -> tuple[dt.datetime, bool] | None:
    """A date or datetime from the front-matter, in China Standard Time; (value, has_time)."""
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=clock.CST)), True
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=clock.CST), False
    if not isinstance(value, str):
        return None
    value = value.strip()
    if len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:  # the common forms, ten times faster than strptime
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=clock.CST)), len(value) > 10
    for fmt in _WHEN_FORMATS:
        try:
            parsed = dt.datetime.strptime(value, fmt).replace(tzinfo=clock.CST)
        except ValueError:
            continue
        return parsed, "%H" in fmt
    return None


def format_when(value: dt.datetime, has_time: bool = True) -> str:
    value = value.astimezone(clock.CST)
    return value.strftime("%Y-%m-%d %H:%M") if has_time else value.strftime("%Y-%m-%d")


def load_or_findings(root: Path | str, paths: Iterable[str] | None = None) -> tuple[Portal | None, list[Finding]]:
    try:
        portal = load(root, paths)
    except ConfigError as exc:
        return None, exc.findings
    return portal, portal.findings
