"""columns.yml and roster.yml: the portal's columns, approval chains and people."""
from __future__ import annotations

import dataclasses
import difflib
import re
from pathlib import Path
from typing import Any

from . import textfile, yamlfile
from .errors import ERROR, ConfigError, Finding

CYCLES = {  # update cycle -> days between items (None: update when something changes)
    "daily": 1, "weekly": 7, "biweekly": 14, "monthly": 31, "quarterly": 92, "yearly": 366, "on-change": None,
}
CYCLE_TITLES = {"daily": "每天", "weekly": "每周", "biweekly": "每两周", "monthly": "每月",
                "quarterly": "每季度", "yearly": "每年", "on-change": "即时更新"}
COLUMN_TYPES = ("概况信息", "机构职能", "负责人信息", "工作动态", "政策文件", "信息公开指南", "信息公开制度",
                "信息公开年报", "数据发布", "政策解读", "回应关切", "办事服务", "咨询投诉", "征集调查",
                "在线访谈", "专题专栏", "其他")
INSPECTION_CLASSES = ("news", "notice", "other", "static")
IMPORTANCE = ("一般", "重要", "重大")
ROLE_SCOPES = ("own", "oversees", "all")


@dataclasses.dataclass(frozen=True)
class Site:
    name: str
    domain: str
    id_code: str
    icp: str
    url: str
    police_record: str = ""
    organizer: str = ""
    copyright: str = ""
    phone: str = ""
    conac_id: str = ""  # 党政机关网站标识的编号（bszs.conac.cn）；空则不显示标识
    contact: str = ""  # 联系我们：网址或 mailto:
    mourning: tuple[str, ...] = ()  # 一键置灰的日期：MM-DD（每年）或 YYYY-MM-DD


@dataclasses.dataclass(frozen=True)
class Stage:
    id: str
    role: str
    title: str


@dataclasses.dataclass(frozen=True)
class Chain:
    id: str
    stages: tuple[Stage, ...]
    important: tuple[Stage, ...]
    major: tuple[Stage, ...]

    def for_importance(self, importance: str) -> tuple[Stage, ...]:
        extra = {"重要": self.important, "重大": self.major}.get(importance, ())
        return self.stages + extra


@dataclasses.dataclass(frozen=True)
class Deadline:
    hours: int | None = None
    working_days: int | None = None

    def describe(self) -> str:
        return f"{self.hours} 小时" if self.hours is not None else f"{self.working_days} 个工作日"


@dataclasses.dataclass(frozen=True)
class Column:
    id: str
    title: str
    description: str
    keywords: tuple[str, ...]
    type: str
    inspection: str
    departments: tuple[str, ...]
    cycle: str
    kinds: tuple[str, ...]
    chain: Chain
    deadline: Deadline
    reprint_sources: tuple[str, ...]
    home: bool
    line: int
    group: str = ""  # the top navigation group (网站构建); "": by the column's type
    scoring: str = ""  # "policy" (policy documents, 解读: 0.5) or "regular" (0.3); "": decided by reports.scoring.policy
    policy: str = ""  # "document" (政策文件: 索引号, 有效性 ... table) or "interpretation" (解读, names its document)
    requires_interpretation: bool = False  # a policy document of this column must have a 解读 (seed 001 §10)
    grace_days: int | None = None  # days a 解读 may follow its document; None: policy.grace_days
    index_number: str = ""  # 索引号 pattern of this column; "": policy.index_number

    @property
    def cycle_days(self) -> int | None:
        return CYCLES[self.cycle]


@dataclasses.dataclass(frozen=True)
class Role:
    id: str
    title: str
    scope: str


@dataclasses.dataclass(frozen=True)
class Department:
    id: str
    name: str


@dataclasses.dataclass(frozen=True)
class Person:
    id: str
    name: str
    department: str
    roles: tuple[str, ...]
    title: str = ""
    oversees: tuple[str, ...] = ()
    key: str = ""
    handle: str = ""  # forge account (GitHub/GitLab user name) for CODEOWNERS; optional
    email: str = ""  # where reminders are mailed (workbench); optional

    def may_sign(self, role: Role, department: str) -> bool:
        """Whether this person may sign a stage of `role` for an item of `department`."""
        if role.id not in self.roles:
            return False
        if role.scope == "all":
            return True
        if role.scope == "oversees":
            return department in self.oversees
        return department == self.department


@dataclasses.dataclass(frozen=True)
class Quota:
    """Items a unit must submit (reports.quotas; seed 004: 4 a month, 1 a week)."""
    per_week: int = 1
    per_month: int = 4


@dataclasses.dataclass(frozen=True)
class Scoring:
    """The scoring table of the monthly 通报 (reports.scoring; seed 004 三、计分标准)."""
    item: float = 0.3
    adoption: tuple[tuple[str, float], ...] = (("市级", 1.0), ("省级", 3.0), ("国家级", 5.0))
    missed_update: float = -0.3
    policy_item: float = 0.5
    missing_interpretation: float = -0.5
    documents: str = "documents"
    interpretations: str = "interpretations"
    co_owned: str = "lead"  # a missed update of a column with several owners: "lead" (the first listed) or "shared"


@dataclasses.dataclass(frozen=True)
class Grade:
    name: str
    min_score: float  # per month of the period


@dataclasses.dataclass(frozen=True)
class Bulletin:
    """The printed 通报: its red head (红头), issuer and number (文号) template."""
    red_head: str = ""
    issuer: str = ""
    number: str = ""
    recipients: str = "机关各科室、各单位"


@dataclasses.dataclass(frozen=True)
class ReportSettings:
    quota: Quota = Quota()
    unit_quotas: tuple[tuple[str, Quota], ...] = ()
    scoring: Scoring = Scoring()
    grades: tuple[Grade, ...] = (Grade("优秀", 3.0), Grade("良好", 2.0), Grade("合格", 1.2))
    bulletin: Bulletin = Bulletin()
    date_tolerance_hours: float = 24.0  # audit: an item dated this much before its submission is back-dated

    def quota_for(self, unit: str) -> Quota:
        return dict(self.unit_quotas).get(unit, self.quota)


@dataclasses.dataclass(frozen=True)
class PolicySettings:
    """The `policy:` section of columns.yml: 索引号 pattern, 主题分类 list, grace period of 解读."""
    index_number: str = ""  # e.g. "{site_code}/{year}-{seq:05d}"; "": 索引号 not numbered
    site_code: str = ""  # {site_code}; "": site.SiteIDCode
    topics: tuple[str, ...] = ()  # 主题分类; (): any text
    grace_days: int = 5  # days a 解读 may follow its document (seed 001 §10: 同步; here: shortly after)


@dataclasses.dataclass
class Config:
    root: Path
    site: Site
    kinds: tuple[str, ...]
    official_kinds: tuple[str, ...]
    reprint_sources: dict[str, tuple[str, ...]]
    chains: dict[str, Chain]
    columns: dict[str, Column]
    roles: dict[str, Role]
    departments: dict[str, Department]
    people: dict[str, Person]
    findings: list[Finding]
    reports: ReportSettings = dataclasses.field(default_factory=ReportSettings)
    # secrecy.forbidden_words: the organisation's own words that must never be published (code names ...)
    secrecy_words: tuple[str, ...] = ()
    policy: PolicySettings = PolicySettings()


def suggest(word: str, choices: Any) -> str:
    people = [p for p in choices.values() if isinstance(p, Person)] if isinstance(choices, dict) else []
    if people and (by_name := _suggest_person(str(word), people)):
        return by_name
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.5)
    return f"是否想写“{close[0]}”？" if close else ""


def _suggest_person(word: str, people: list[Person]) -> str:
    """People are written by id (sun.lixin): a roster name (孙立新), or one close to it, points to the id."""
    names = [p.name for p in people]
    close = [word] if word in names else difflib.get_close_matches(word, names, n=3, cutoff=0.5)
    found = [p for name in dict.fromkeys(close) for p in people if p.name == name]
    if len(found) == 1:
        return f"是否想写“{found[0].id}”（{found[0].name}的人员 id）？"
    if found:
        listing = "、".join(f"{p.id}（{p.name}，{p.department}）" for p in found)
        return f"roster.yml 中与“{word}”相符的有：{listing}，请写其中一人的人员 id。"
    return ""


class _Reader:
    """Walks one YAML file, collecting findings with the line of each value."""

    def __init__(self, path: str, lines: dict[str, int]) -> None:
        self.path = path
        self.lines = lines
        self.findings: list[Finding] = []

    def line(self, key: str) -> int:
        while key and key not in self.lines:
            key = key.rpartition(".")[0]
        return self.lines.get(key, 1)

    def error(self, key: str, rule: str, message: str) -> None:
        self.findings.append(Finding(self.path, self.line(key), 1, rule, "config", ERROR, message))

    def get(self, data: Any, key: str, where: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        field = key.rpartition(".")[2]
        if not isinstance(data, dict) or field not in data or data[field] is None:
            if default is ...:
                self.error(where, "CFG-MISSING", f"缺少“{field}”。请在 {where or '文件顶层'} 下补写该项")
            return None if default is ... else default
        value = data[field]
        if not isinstance(value, kind):
            names = {str: "文本", int: "整数", list: "列表", dict: "映射（键: 值）", bool: "true/false"}
            want = "或".join(names.get(k, k.__name__) for k in (kind if isinstance(kind, tuple) else (kind,)))
            self.error(key, "CFG-TYPE", f"“{field}”应为{want}，实际是 {value!r}")
            return None if default is ... else default
        return value

    def strings(self, data: Any, key: str, where: str, default: Any = ...) -> tuple[str, ...]:
        value = self.get(data, key, where, list, default)
        if value is None:
            return ()
        out = []
        for i, item in enumerate(value):
            if isinstance(item, str | int) and not isinstance(item, bool):
                out.append(str(item))
            else:
                self.error(f"{key}.{i}", "CFG-TYPE", f"“{key}”的第 {i + 1} 项应为文本，实际是 {item!r}")
        return tuple(out)


def _read_yaml(root: Path, name: str) -> tuple[Any, dict[str, int]]:
    path = root / name
    if not path.is_file():
        raise ConfigError([Finding(name, 1, 1, "CFG-FILE", "config", ERROR,
                                   f"找不到 {name}。请在门户仓库根目录运行，或用 --root 指定仓库目录")])
    size = path.stat().st_size
    if size > yamlfile.MAX_BYTES:  # never read a runaway file whole
        raise ConfigError([Finding(name, 1, 1, "CFG-TOO-LARGE", "config", ERROR,
                                   f"{name} 共 {size / 1024 / 1024:.1f} MB，超过上限 {yamlfile.MAX_BYTES // 1024 // 1024} MB。"
                                   "配置文件只应有栏目、人员等设置，请检查是否误把其他内容写进了该文件")])
    text, problems = textfile.decode(path.read_bytes(), name)
    if text is None:
        raise ConfigError(problems)
    try:
        data, lines = yamlfile.load(text)
    except yamlfile.YamlError as exc:
        rule = "CFG-TOO-LARGE" if exc.rule == yamlfile.TOO_LARGE_RULE else exc.rule or "CFG-YAML"
        message = exc.problem if "请" in exc.problem else f"{exc.problem}。请修正 YAML 语法"
        raise ConfigError([Finding(name, exc.line, exc.column, rule, "config", ERROR, message)]) from None
    if not isinstance(data, dict):
        hint = yamlfile.not_a_mapping(text)
        where = (hint[0], hint[1], hint[2]) if hint else (1, 1, f"{name} 顶层应为映射（键: 值）")
        raise ConfigError([Finding(name, where[0], where[1], "CFG-YAML", "config", ERROR, where[2])])
    return data, lines


def load(root: Path) -> Config:
    """Load and validate columns.yml and roster.yml; raise ConfigError if they cannot be used."""
    col_data, col_lines = _read_yaml(root, "columns.yml")
    ros_data, ros_lines = _read_yaml(root, "roster.yml")
    roster = _Reader("roster.yml", ros_lines)
    _known_keys(roster, ros_data, "", ("roles", "departments", "people"))
    roles, departments, people = _load_roster(roster, ros_data)
    cols = _Reader("columns.yml", col_lines)
    _known_keys(cols, col_data, "", ("site", "kinds", "reprint_sources", "chains", "columns", "reports", "secrecy",
                                     "policy"))
    site = _load_site(cols, col_data)
    kinds_data = cols.get(col_data, "kinds", "", dict) or {}
    official = cols.strings(kinds_data, "kinds.official", "kinds")
    kinds = official + cols.strings(kinds_data, "kinds.news", "kinds")
    sources: dict[str, tuple[str, ...]] = {}
    for name, domains in (cols.get(col_data, "reprint_sources", "", dict, {}) or {}).items():
        sources[str(name)] = cols.strings({name: domains}, f"reprint_sources.{name}", "reprint_sources")
    chains = _load_chains(cols, col_data, roles)
    columns = _load_columns(cols, col_data, chains, departments, kinds, sources)
    reports = _load_reports(cols, col_data, departments, columns)
    secrecy_words = _load_secrecy_words(cols, col_data)
    policy = _load_policy(cols, col_data, site, columns)
    findings = roster.findings + cols.findings
    config = Config(root, site, kinds, official, sources, chains, columns, roles, departments, people, findings,
                    reports, secrecy_words, policy)
    if findings:
        raise ConfigError(findings)
    return config


def _load_site(r: _Reader, data: dict[str, Any]) -> Site:
    s = r.get(data, "site", "", dict) or {}
    _known_keys(r, s, "site", SITE_KEYS)
    fields = {}
    for key, attr in (("SiteName", "name"), ("SiteDomain", "domain"), ("SiteIDCode", "id_code"), ("icp", "icp")):
        fields[attr] = str(r.get(s, f"site.{key}", "site", (str, int)) or "")
    fields["url"] = str(r.get(s, "site.url", "site", str, "") or f"https://{fields['domain']}/")
    for key in ("police_record", "organizer", "copyright", "phone", "conac_id", "contact"):
        fields[key] = str(r.get(s, f"site.{key}", "site", (str, int), "") or "")
    mourning = tuple(str(d) for d in (r.get(s, "site.mourning", "site", list, []) or []))
    return Site(**fields, mourning=mourning)  # type: ignore[arg-type]


def _stages(r: _Reader, data: Any, key: str, roles: dict[str, Role]) -> tuple[Stage, ...]:
    stages = []
    for i, item in enumerate(r.get({key.rpartition(".")[2]: data}, key, key, list, []) or []):
        where = f"{key}.{i}"
        sid = r.get(item, f"{where}.id", where, str)
        role = r.get(item, f"{where}.role", where, str)
        if role is not None and role not in roles:
            r.error(f"{where}.role", "CFG-ROLE-UNKNOWN",
                    f"审核环节“{sid}”的角色“{role}”未在 roster.yml 的 roles 中定义。{suggest(role, roles)}")
        if sid and role:
            stages.append(Stage(sid, role, str(item.get("title") or sid)))
    return tuple(stages)


def _load_chains(r: _Reader, data: dict[str, Any], roles: dict[str, Role]) -> dict[str, Chain]:
    chains = {}
    for cid, body in (r.get(data, "chains", "", dict) or {}).items():
        where = f"chains.{cid}"
        if not isinstance(body, dict):
            r.error(where, "CFG-TYPE", f"审核链“{cid}”应为映射，含 stages / important / major")
            continue
        stages = _stages(r, body.get("stages"), f"{where}.stages", roles)
        if not stages:
            r.error(where, "CFG-CHAIN-EMPTY", f"审核链“{cid}”没有任何审核环节")
        if stages and not any(s.role == "secrecy" for s in stages) and cid != "配置变更":
            r.error(where, "CFG-CHAIN-SECRECY", f"审核链“{cid}”缺少保密审查环节（role: secrecy）。涉密不上网，每条信息都须经保密审查")
        important = _stages(r, body.get("important"), f"{where}.important", roles)
        major = _stages(r, body.get("major"), f"{where}.major", roles)
        for extra in (important, major):
            ids = [s.id for s in stages + extra]
            for dup in {i for i in ids if ids.count(i) > 1}:
                r.error(where, "CFG-CHAIN-DUP", f"审核链“{cid}”中环节“{dup}”重复")
        chains[str(cid)] = Chain(str(cid), stages, important, major)
    return chains


def _load_columns(r: _Reader, data: dict[str, Any], chains: dict[str, Chain], departments: dict[str, Department],
                  kinds: tuple[str, ...], sources: dict[str, tuple[str, ...]]) -> dict[str, Column]:
    columns: dict[str, Column] = {}
    for i, c in enumerate(r.get(data, "columns", "", list) or []):
        w = f"columns.{i}"
        cid = r.get(c, f"{w}.id", w, str)
        if cid is None:
            continue
        _known_keys(r, c, w, COLUMN_KEYS)
        if cid in columns:
            r.error(f"{w}.id", "CFG-DUPLICATE", f"栏目 id“{cid}”重复")
        if not cid.replace("-", "").isalnum() or not cid.isascii() or cid != cid.lower():
            r.error(f"{w}.id", "CFG-COLUMN-ID", f"栏目 id“{cid}”只能用小写英文字母、数字和连字符（它是 content/ 下的目录名和网址）")
        ctype = r.get(c, f"{w}.type", w, str) or ""
        if ctype and ctype not in COLUMN_TYPES:
            r.error(f"{w}.type", "CFG-COLUMN-TYPE", f"栏目类型“{ctype}”不在《政府网站网页设计规范》的栏目类型中。{suggest(ctype, COLUMN_TYPES)}")
        inspection = r.get(c, f"{w}.inspection", w, str, "other")
        if inspection not in INSPECTION_CLASSES:
            r.error(f"{w}.inspection", "CFG-VALUE", f"inspection 应为 {' / '.join(INSPECTION_CLASSES)} 之一")
        cycle = r.get(c, f"{w}.cycle", w, str) or "on-change"
        if cycle not in CYCLES:
            r.error(f"{w}.cycle", "CFG-CYCLE", f"更新周期“{cycle}”无效，应为 {' / '.join(CYCLES)} 之一。{suggest(cycle, CYCLES)}")
        depts = r.strings(c, f"{w}.departments", w)
        for j, d in enumerate(depts):
            if d not in departments:
                r.error(f"{w}.departments.{j}", "CFG-DEPT-UNKNOWN", f"负责科室“{d}”不在 roster.yml 的 departments 中。{suggest(d, departments)}")
        ckinds = r.strings(c, f"{w}.kinds", w)
        for j, k in enumerate(ckinds):
            if k not in kinds:
                r.error(f"{w}.kinds.{j}", "CFG-KIND-UNKNOWN", f"文种“{k}”不在 kinds 中。{suggest(k, kinds)}")
        chain_id = r.get(c, f"{w}.chain", w, str)
        if chain_id is not None and chain_id not in chains:
            r.error(f"{w}.chain", "CFG-CHAIN-UNKNOWN", f"审核链“{chain_id}”未在 chains 中定义。{suggest(chain_id, chains)}")
        dl = r.get(c, f"{w}.deadline", w, dict, {}) or {}
        deadline = Deadline(hours=dl.get("hours"), working_days=dl.get("working_days"))
        if (deadline.hours is None) == (deadline.working_days is None) or not all(
                isinstance(v, int) and v > 0 for v in (deadline.hours, deadline.working_days) if v is not None):
            r.error(f"{w}.deadline", "CFG-DEADLINE", "发布时限应写成 {hours: N} 或 {working_days: N}（正整数，二选一）")
        csources = r.strings(c, f"{w}.reprint_sources", w, [])
        for j, s in enumerate(csources):
            if s not in sources:
                r.error(f"{w}.reprint_sources.{j}", "CFG-SOURCE-UNKNOWN", f"转载来源“{s}”未在 reprint_sources 中定义。{suggest(s, sources)}")
        if chain_id not in chains:
            continue
        columns[cid] = Column(
            id=cid, title=str(r.get(c, f"{w}.title", w, str) or cid),
            description=str(r.get(c, f"{w}.description", w, str, "")), keywords=r.strings(c, f"{w}.keywords", w, []),
            type=ctype, inspection=inspection, departments=depts, cycle=cycle, kinds=ckinds,
            chain=chains[chain_id], deadline=deadline, reprint_sources=csources,
            home=bool(r.get(c, f"{w}.home", w, bool, False)), line=r.line(w),
            scoring=_column_scoring(r, c, w), group=str(r.get(c, f"{w}.group", w, str, "") or ""),
            **_column_policy(r, c, w))
    return columns


def _load_roster(r: _Reader, data: dict[str, Any]) -> tuple[dict[str, Role], dict[str, Department], dict[str, Person]]:
    roles = {}
    for rid, body in (r.get(data, "roles", "", dict) or {}).items():
        body = body if isinstance(body, dict) else {}
        scope = body.get("scope", "own")
        if scope not in ROLE_SCOPES:
            r.error(f"roles.{rid}", "CFG-VALUE", f"角色“{rid}”的 scope 应为 {' / '.join(ROLE_SCOPES)} 之一")
        roles[str(rid)] = Role(str(rid), str(body.get("title", rid)), scope)
    departments = {}
    for i, d in enumerate(r.get(data, "departments", "", list) or []):
        did = r.get(d, f"departments.{i}.id", f"departments.{i}", (str, int))
        if did is not None:
            if str(did) in departments:
                r.error(f"departments.{i}", "CFG-DUPLICATE", f"科室“{did}”重复")
            departments[str(did)] = Department(str(did), str(d.get("name") or did))
    people = {}
    for i, p in enumerate(r.get(data, "people", "", list) or []):
        w = f"people.{i}"
        pid = r.get(p, f"{w}.id", w, str)
        if pid is None:
            continue
        _known_keys(r, p, w, PERSON_KEYS)
        if pid in people:
            r.error(f"{w}.id", "CFG-DUPLICATE", f"人员 id“{pid}”重复")
        dept = str(r.get(p, f"{w}.department", w, (str, int)) or "")
        if dept and dept not in departments:
            r.error(f"{w}.department", "CFG-DEPT-UNKNOWN", f"人员“{pid}”的科室“{dept}”不在 departments 中。{suggest(dept, departments)}")
        proles = r.strings(p, f"{w}.roles", w)
        for j, role in enumerate(proles):
            if role not in roles:
                r.error(f"{w}.roles.{j}", "CFG-ROLE-UNKNOWN", f"人员“{pid}”的角色“{role}”未在 roles 中定义。{suggest(role, roles)}")
        oversees = r.strings(p, f"{w}.oversees", w, [])
        for j, d in enumerate(oversees):
            if d not in departments:
                r.error(f"{w}.oversees.{j}", "CFG-DEPT-UNKNOWN", f"分管科室“{d}”不在 departments 中。{suggest(d, departments)}")
        key = str(r.get(p, f"{w}.key", w, str, "") or "")
        if key and not key.startswith(("ssh-ed25519 ", "ssh-rsa ", "ecdsa-sha2-", "sk-ssh-ed25519")):
            r.error(f"{w}.key", "CFG-KEY", f"人员“{pid}”的公钥格式不对，应为 `ssh-ed25519 AAAA...` 一行（ssh-keygen 生成的 .pub 文件内容）")
        email = str(r.get(p, f"{w}.email", w, str, "") or "").strip()
        if email and not EMAIL.match(email):
            r.error(f"{w}.email", "CFG-EMAIL", f"人员“{pid}”的邮箱“{email}”格式不对，应写成 name@example.gov.cn 这样的一个地址（用于工作台提醒邮件）")
        people[pid] = Person(pid, str(r.get(p, f"{w}.name", w, str) or pid), dept, proles,
                             str(p.get("title") or ""), oversees, key, str(p.get("handle") or ""), email)
    return roles, departments, people


_REPORT_KEYS = {
    "reports": ("quotas", "scoring", "grades", "bulletin", "date_tolerance_hours"),
    "reports.bulletin": ("red_head", "issuer", "number", "recipients"),
    "reports.quotas": ("per_week", "per_month", "units"),
    "reports.scoring": ("item", "adoption", "missed_update", "policy", "co_owned"),
    "reports.scoring.policy": ("documents", "interpretations", "item", "missing"),
}


SITE_KEYS = ("SiteName", "SiteDomain", "SiteIDCode", "icp", "url", "police_record", "organizer", "copyright", "phone",
             "conac_id", "contact", "mourning")
COLUMN_KEYS = ("id", "title", "description", "keywords", "type", "inspection", "departments", "cycle", "kinds",
               "chain", "deadline", "reprint_sources", "home", "scoring", "group", "policy", "requires_interpretation",
               "interpretation_grace_days", "index_number")
PERSON_KEYS = ("id", "name", "department", "title", "roles", "oversees", "key", "handle", "email")
EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+$")
COLUMN_SCORING = ("policy", "regular")
CO_OWNED = ("lead", "shared")


def _column_scoring(r: _Reader, c: dict[str, Any], w: str) -> str:
    value = r.get(c, f"{w}.scoring", w, str, "") or ""
    if value and value not in COLUMN_SCORING:
        r.error(f"{w}.scoring", "CFG-VALUE", f"栏目计分类别 scoring 应为 policy（政策文件及解读，每条 0.5 分）"
                                            f"或 regular（其他栏目，每条 0.3 分），实际是“{value}”")
    return value if value in COLUMN_SCORING else ""


def _known_keys(r: _Reader, body: Any, where: str, known: tuple[str, ...]) -> None:
    """A misspelt key would otherwise be ignored silently (a column's `hmoe: true` never reaching the home page)."""
    if not isinstance(body, dict):
        return
    for key in body:
        if key not in known:
            path = f"{where}.{key}" if where else str(key)
            r.error(path, "CFG-UNKNOWN-KEY", f"{where or '文件顶层'} 下的未知项“{key}”。{suggest(key, known)}可用：{'、'.join(known)}")


def _number(r: _Reader, body: dict[str, Any], key: str, default: float, whole: bool = False) -> Any:
    value = body.get(key.rpartition(".")[2])
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int if whole else int | float) or (whole and value < 0):
        r.error(key, "CFG-TYPE", f"“{key}”应为{'非负整数' if whole else '数值'}，实际是 {value!r}")
        return default
    return value


def _section(r: _Reader, body: dict[str, Any], key: str) -> dict[str, Any]:
    value = r.get(body, key, key.rpartition(".")[0], dict, {}) or {}
    _known_keys(r, value, key, _REPORT_KEYS[key])
    return value


def _load_secrecy_words(r: _Reader, data: dict[str, Any]) -> tuple[str, ...]:
    words = r.strings(r.get(data, "secrecy", "", dict, {}) or {}, "secrecy.forbidden_words", "secrecy", [])
    for i, word in enumerate(words):
        if not word.strip():
            r.error(f"secrecy.forbidden_words.{i}", "CFG-VALUE", "不得发布的词语不能为空")
    return tuple(w.strip() for w in words if w.strip())


def _load_reports(r: _Reader, data: dict[str, Any], departments: dict[str, Department],
                  columns: dict[str, Column]) -> ReportSettings:
    """The optional `reports:` section: quotas per unit and the scoring table; defaults are seed 004's."""
    from .model import ADOPTION_LEVELS  # model imports this module; by the time we run it is loaded

    if "reports" not in data:
        return ReportSettings()
    body = r.get(data, "reports", "", dict, {}) or {}
    _known_keys(r, body, "reports", _REPORT_KEYS["reports"])
    q = _section(r, body, "reports.quotas")
    quota = Quota(_number(r, q, "reports.quotas.per_week", 1, True), _number(r, q, "reports.quotas.per_month", 4, True))
    units = []
    for unit, uq in (r.get(q, "reports.quotas.units", "reports.quotas", dict, {}) or {}).items():
        where = f"reports.quotas.units.{unit}"
        if str(unit) not in departments:
            r.error(where, "CFG-DEPT-UNKNOWN", f"科室“{unit}”不在 roster.yml 的 departments 中。{suggest(unit, departments)}")
        if not isinstance(uq, dict):
            r.error(where, "CFG-TYPE", f"“{where}”应为映射，如 {{per_week: 1, per_month: 4}}")
            continue
        _known_keys(r, uq, where, ("per_week", "per_month"))
        units.append((str(unit), Quota(_number(r, uq, f"{where}.per_week", quota.per_week, True),
                                       _number(r, uq, f"{where}.per_month", quota.per_month, True))))
    s = _section(r, body, "reports.scoring")
    default = Scoring()
    adoption = dict(default.adoption)
    for level, points in (r.get(s, "reports.scoring.adoption", "reports.scoring", dict, {}) or {}).items():
        if level not in ADOPTION_LEVELS:
            r.error(f"reports.scoring.adoption.{level}", "CFG-VALUE",
                    f"采用级别“{level}”应为 {'、'.join(ADOPTION_LEVELS)} 之一（与稿件的 adoption 字段一致）")
        adoption[str(level)] = _number(r, {level: points}, f"reports.scoring.adoption.{level}", 0.0)
    p = _section(r, s, "reports.scoring.policy")
    scoring = Scoring(
        item=_number(r, s, "reports.scoring.item", default.item),
        adoption=tuple(adoption.items()),
        missed_update=_number(r, s, "reports.scoring.missed_update", default.missed_update),
        policy_item=_number(r, p, "reports.scoring.policy.item", default.policy_item),
        missing_interpretation=_number(r, p, "reports.scoring.policy.missing", default.missing_interpretation),
        documents=str(r.get(p, "reports.scoring.policy.documents", "reports.scoring.policy", str, default.documents)),
        interpretations=str(r.get(p, "reports.scoring.policy.interpretations", "reports.scoring.policy", str,
                                  default.interpretations)),
        co_owned=_choice(r, s, "reports.scoring.co_owned", CO_OWNED, default.co_owned))
    for key in ("documents", "interpretations"):
        if getattr(scoring, key) not in columns:
            r.error(f"reports.scoring.policy.{key}", "CFG-COLUMN-UNKNOWN",
                    f"栏目“{getattr(scoring, key)}”不在 columns 中。{suggest(getattr(scoring, key), columns)}")
    return ReportSettings(quota, tuple(units), scoring, _grades(r, body), _bulletin(r, body),
                          float(_number(r, body, "reports.date_tolerance_hours", 24.0)))


def _choice(r: _Reader, body: dict[str, Any], key: str, choices: tuple[str, ...], default: str) -> str:
    value = body.get(key.rpartition(".")[2], default)
    if value not in choices:
        r.error(key, "CFG-VALUE", f"“{key}”应为 {' / '.join(choices)} 之一，实际是 {value!r}")
        return default
    return str(value)


def _grades(r: _Reader, body: dict[str, Any]) -> tuple[Grade, ...]:
    """reports.grades: {等级: 每月最低得分}, from the highest; below the last is 不合格."""
    if body.get("grades") is None:
        return ReportSettings.grades
    grades = []
    for name, low in (r.get(body, "reports.grades", "reports", dict, {}) or {}).items():
        grades.append(Grade(str(name), float(_number(r, {name: low}, f"reports.grades.{name}", 0.0))))
    return tuple(sorted(grades, key=lambda g: -g.min_score))


def _bulletin(r: _Reader, body: dict[str, Any]) -> Bulletin:
    b = _section(r, body, "reports.bulletin")
    return Bulletin(*(str(r.get(b, f"reports.bulletin.{k}", "reports.bulletin", (str, int), d) or d)
                      for k, d in (("red_head", ""), ("issuer", ""), ("number", ""),
                                   ("recipients", Bulletin.recipients))))


POLICY_ROLES = ("document", "interpretation")
POLICY_KEYS = ("index_number", "site_code", "topics", "grace_days")
# 索引号 pattern: text with {site_code} {year} {column} and one {seq} (optionally zero-padded: {seq:05d})
INDEX_FIELD = re.compile(r"\{(\w+)(?::(0?\d*d))?\}")
INDEX_FIELDS = ("site_code", "year", "column", "seq")


def index_pattern_problem(pattern: str) -> str:
    """What is wrong with a 索引号 pattern, or ""."""
    fields = INDEX_FIELD.findall(pattern)
    unknown = [name for name, _ in fields if name not in INDEX_FIELDS]
    if unknown:
        return f"含有未知的占位符“{{{unknown[0]}}}”，只能用 {{site_code}} {{year}} {{column}} {{seq}}（如 {{seq:05d}}）"
    if [name for name, _ in fields].count("seq") != 1:
        return "须含且只含一个序号占位符 {seq}（可写成 {seq:05d} 补足 5 位）"
    if any(spec and name != "seq" for name, spec in fields):
        return "只有 {seq} 可以带位数，如 {seq:05d}"
    if "{" in INDEX_FIELD.sub("", pattern) or "}" in INDEX_FIELD.sub("", pattern):
        return "花括号只能用于占位符，如 {site_code}/{year}-{seq:05d}"
    return ""


def _column_policy(r: _Reader, c: dict[str, Any], w: str) -> dict[str, Any]:
    """A column's policy settings: its role (政策文件 / 解读), whether its documents need a 解读, 索引号 pattern."""
    role = str(r.get(c, f"{w}.policy", w, str, "") or "")
    if role and role not in POLICY_ROLES:
        r.error(f"{w}.policy", "CFG-VALUE", f"policy 应为 document（政策文件栏目）或 interpretation（政策解读栏目），实际是“{role}”")
        role = ""
    requires = bool(r.get(c, f"{w}.requires_interpretation", w, bool, False))
    if requires and role != "document":
        r.error(f"{w}.requires_interpretation", "CFG-VALUE",
                "只有政策文件栏目（policy: document）才能要求解读（requires_interpretation: true）。请同时写 policy: document")
    grace = c.get("interpretation_grace_days") if isinstance(c, dict) else None
    if grace is not None and (isinstance(grace, bool) or not isinstance(grace, int) or grace < 0):
        r.error(f"{w}.interpretation_grace_days", "CFG-TYPE", f"interpretation_grace_days 应为非负整数（天数），实际是 {grace!r}")
        grace = None
    pattern = str(r.get(c, f"{w}.index_number", w, str, "") or "")
    problem = index_pattern_problem(pattern) if pattern else ""
    if problem:
        r.error(f"{w}.index_number", "CFG-INDEX-PATTERN", f"索引号格式“{pattern}”{problem}")
        pattern = ""
    return {"policy": role, "requires_interpretation": requires, "grace_days": grace, "index_number": pattern}


def _load_policy(r: _Reader, data: dict[str, Any], site: Site, columns: dict[str, Column]) -> PolicySettings:
    """The optional `policy:` section: 索引号 pattern, site code, 主题分类 list, grace period of 解读."""
    body = r.get(data, "policy", "", dict, {}) or {}
    _known_keys(r, body, "policy", POLICY_KEYS)
    pattern = str(r.get(body, "policy.index_number", "policy", str, "") or "")
    problem = index_pattern_problem(pattern) if pattern else ""
    if problem:
        r.error("policy.index_number", "CFG-INDEX-PATTERN", f"索引号格式“{pattern}”{problem}")
        pattern = ""
    topics = r.strings(body, "policy.topics", "policy", [])
    for i, topic in enumerate(topics):
        if not topic.strip():
            r.error(f"policy.topics.{i}", "CFG-VALUE", "主题分类不能为空")
    for dup in sorted({t for t in topics if topics.count(t) > 1}):
        r.error("policy.topics", "CFG-DUPLICATE", f"主题分类“{dup}”重复")
    grace = _number(r, body, "policy.grace_days", PolicySettings.grace_days, True)
    code = str(r.get(body, "policy.site_code", "policy", (str, int), "") or "") or site.id_code
    return PolicySettings(pattern, code, tuple(t.strip() for t in topics if t.strip()), int(grace))
