"""Document kinds: `type` allowed in the column, and no 请示 / 报告 / 函 in disguise.

请示 and 报告 go up to a superior organ and 函 goes between organs of the same level; none of
them is published (seed 003 §16) unless the column's `kinds` lists that kind (the proposals
column publishes 函: replies to deputies). Besides `type`, the published title and body are
searched for the forms those documents take (checks/rules/kinds.yml, where the forms are
explained): their titles (关于……的请示, also wrapped over lines or decorated with markup and a
parenthetical such as （代拟稿）), their formulas (妥否，请批示 / 特此报告 / 特此函告 / 现将……报告
如下 ...) and a superior organ as addressee. Reports that the law requires to be public
(政府信息公开工作年度报告, 政府工作报告, 事故调查报告, ...: `public_reports`) pass, and may carry
`type: 报告` in any column.

How a text is searched (`scan`, a pure function of the title and the body):
1. the text is normalised as the secrecy check does (checks/normalize.py: Traditional ->
   Simplified, NFKC, separators and punctuation dropped, newlines kept), with the offset map;
2. the rules match the normalised text, so punctuation and spacing variants are one form;
3. each hit is judged in the original: a formula in quotes, inside a sentence (请示一般以妥否，
   请批示作结), alone in a list item or table cell, in a list of formulas or introduced by a colon
   is a mention, not the document's own words; a title is a whole paragraph or heading (or two or
   three short ones, or the first source lines of a paragraph).
`check` reads the published view (portal/view.py): the title, the body as a reader sees it, and
where the source broke a paragraph's lines (the view's "body:lines"), so that a formula alone on
its source line counts as one even without punctuation around it.
Every step is linear in the length of the text: the patterns only have bounded repeats, the
offset map is built a window at a time, and the context of a hit is read in a window around it.
"""
from __future__ import annotations

import bisect
import dataclasses
import re
import sys
from collections.abc import Iterable, Iterator, Sequence

from portal import view
from portal.errors import ERROR, Finding, PortalError
from portal.model import Article, Portal

from . import locate, normalize, rulefile
from .rulefile import Rule
from .runner import hook_main

CATEGORY = "kind"
RULES = "kinds"
FORMS = ("title", "formula", "addressee")

WINDOW = 200  # characters each side of a hit read to judge it
SHOWN = 40  # characters of a hit shown in a message
TITLE_MAX = 300  # a title candidate longer than this (in the original) is a paragraph, not a title
TITLE_PART = 60  # a part of a title wrapped over several lines or paragraphs is at most this long (normalised)
SPAN = 1 << 16  # characters normalised at a time with their offset map
OVERLAP = 1 << 12  # read past a window's end, so that a formula starting in it is whole
LOOK_BACK = 12  # lines looked back at for the colon that introduces a list of formulas
ADDRESSEE_LINES = 6
OPENING_BLOCKS = 3  # a public report says so in one of its first blocks (its title, or the usual opening)  # the addressee is looked for in the first non-blank lines of the body

OPEN_QUOTES = "“‘「『《〈﹁﹃＂"
CLOSE_QUOTES = "”’」』》〉﹂﹄＂"
# a formula is the document's own words after one of these (or at the start of its line)
BOUNDARY_BEFORE = set("。．！？；!?;，,…⋯")  # not after （1） or 【结束语】: an enumeration or a label
# ... and before one of these (or at the end of its line); the colon closes an opener: 现将……报告如下：
BOUNDARY_AFTER = set("。．！？；!?;，,：:）)】〕］]（(")
SENTENCE_END = set("。．！？；!?;")
CLAUSE_END = SENTENCE_END | set("，,")
MARKUP = set(" \t\u3000*_~`")
_BLOCK = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*")  # block quote markers
_HEADING = re.compile(r"#{1,6}(?:[ \t]+|$)")
_LIST = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
_RULE_LINE = re.compile(r"[ \t]*(?:[-*_=][ \t]*){3,}$")  # thematic break or setext underline
_QUOTES = re.compile(f"[{re.escape(OPEN_QUOTES + CLOSE_QUOTES)}\"]")
_CLOSING = re.compile(f"[{re.escape(CLOSE_QUOTES)}]")
_STRAIGHT = re.compile('"')
_NONBLANK = re.compile(r"\S")
_ENUMERATION = re.compile(r"[\s*_~`]*[；;、][\s*_~`]*")  # between two formulas of a list
# the end of the words before a formula (and the start of those after it) that talk about it
_CUE_BEFORE = re.compile(r"(?:以|用|写|写作|写成|写为|为|如|即|是|有|称|作|采用|使用|例如|比如|诸如|像|叫做|叫)$")
_CUE_AFTER = re.compile(r"(?:等|作结|结尾|收尾|收束|字样|用语|一语|是|为|作为|的|之类|这类|结束)")
_SPACES = re.compile(r"[ \t\u3000]+")
_ADDRESSEE = re.compile(r"[^\s：:，,。；;]{2,30}[：:]")
_TRAILER = re.compile(r"[\s*_~`。．！？；!?;，,：:）)】〕\]]*")  # what may follow a formula that stands alone
_TAG = re.compile(r"<[A-Za-z/][^<>\n]{0,200}>")
_BRACKET = r"[（(【〔［\[][^（(【〔［\[）)】〕］\]\n]{0,30}[）)】〕］\]]"
# a title is not an item of a list: （一） 1. 一、 ① before it; nor a sentence: 。 after it
_ENUMERATOR = re.compile(r"(?:[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}[、.．]|\d{1,3}[、.．)）]|[①-⑳])")
NOT_TITLE_END = set("。．；;，,：:！？!?、")
_LEADING = re.compile(rf"(?:[ \t\n\u3000#*_~`>=-]|<[A-Za-z/][^<>\n]{{0,200}}>|(?![（(][一二三四五六七八九十\d]{{1,3}}[）)]){_BRACKET})+")
_TRAILING = re.compile(rf"(?:[ \t\n\u3000#*_~`=-]|<[A-Za-z/][^<>\n]{{0,200}}>|{_BRACKET})$")
TRAILING_LAST = set(" \t\n\u3000#*_~`=->）)】〕］]")  # the last character of whatever _TRAILING matches


@dataclasses.dataclass(frozen=True)
class Hit:
    """A form of a forbidden kind found in the title or the body (offsets into that original text)."""

    rule: Rule
    kind: str
    field: str  # "title" or "body"
    start: int
    end: int
    text: str  # the original text of the hit, shortened for messages


# ---------------------------------------------------------------- the rules file


def forbidden() -> dict[str, str]:
    """Forbidden kind -> why, from checks/rules/kinds.yml."""
    return dict(rulefile.settings(RULES)["forbidden"])


@dataclasses.dataclass(frozen=True)
class _Compiled:
    rules: tuple[Rule, ...]
    titles: dict[str, re.Pattern[str]]  # rule id -> issuer + pattern, to fullmatch a candidate
    requests: dict[str, re.Pattern[str]]  # addressee rule id -> request words
    unless: dict[str, re.Pattern[str]]  # rule id -> what, in the title or body, makes the rule not apply
    public: re.Pattern[str]
    openings: re.Pattern[str]
    keywords: re.Pattern[str]  # every rule's keywords, longest first
    within: dict[str, frozenset[str]]  # keyword -> the keywords it contains (itself too)


_compiled: list[_Compiled] = []


def _rules() -> _Compiled:
    """The rules of kinds.yml, compiled once for every load of the file (a test may reload it)."""
    rules = rulefile.load(RULES)
    if _compiled and _compiled[0].rules is rules:
        return _compiled[0]
    settings = rulefile.settings(RULES)
    name = f"{RULES}.yml"
    with rulefile.at(name, 1):
        issuer, public, openings = (rulefile.regex(key, key, settings.get(key))
                                    for key in ("issuer", "public_reports", "public_report_openings"))
        reasons = settings.get("forbidden")
        if not isinstance(reasons, dict) or not reasons:
            raise PortalError("forbidden 应为“文种: 不得公开的理由”的映射")
    titles: dict[str, re.Pattern[str]] = {}
    requests: dict[str, re.Pattern[str]] = {}
    unless: dict[str, re.Pattern[str]] = {}
    for rule in rules:
        with rulefile.at(name, rule.line):
            form = rule.data.get("form")
            if form not in FORMS:
                raise PortalError(f"{rule.id}: form 应为 {' / '.join(FORMS)} 之一")
            if rule.data.get("kind") not in reasons:
                raise PortalError(f"{rule.id}: kind（所识别的文种）应为 forbidden 中的文种之一：{'、'.join(reasons)}")
            for k in rule.keywords:
                if normalize.compact(k) != k:
                    raise PortalError(f"{rule.id}: 关键词“{k}”不是规范化形式，应写成“{normalize.compact(k)}”")
            if form == "title":
                try:
                    titles[rule.id] = re.compile(f"(?:{issuer.pattern})?(?:{rule.pattern.pattern})")
                except re.error:
                    raise PortalError(f"{rule.id}: 标题规则的 pattern 不能用 (?x) 等内联标志") from None
            elif form == "addressee":
                requests[rule.id] = rulefile.regex(rule.id, "requests", rule.data.get("requests"))
            if "unless" in rule.data:
                unless[rule.id] = rulefile.regex(rule.id, "unless", rule.data["unless"])
    keywords, within = keyword_index({k for rule in rules for k in rule.keywords})
    compiled = _Compiled(rules, titles, requests, unless, public, openings, keywords, within)
    _compiled[:] = [compiled]
    return compiled


def compiled() -> _Compiled:
    """The rules of kinds.yml, compiled (site_build.parallel compiles them before forking its workers)."""
    return _rules()


def is_public_report(title: str) -> bool:
    """A report the law requires to be published (政府信息公开工作年度报告 ...): its title ends so."""
    return bool(_rules().public.search(normalize.compact(_undecorated(title, 0, len(title))[2]).replace("\n", "")))


# ---------------------------------------------------------------- scanning (pure)


def scan(title: str, body: str, soft_breaks: Iterable[int] = ()) -> list[Hit]:
    """Every form of a forbidden kind in a published title and body (the body in the Markdown-like
    form of the published view: headings "# ", list items "- ", quotes "> ", table rows "| a |"),
    a mention judged not to be one. Per rule in file order: title hits, then body hits, in order.

    `soft_breaks`: the offsets of the spaces in `body` that were line breaks inside a paragraph of the
    source (the view joins them): a formula alone on its source line is said even with no punctuation
    around it (……所需资金500万元⏎妥否，请批示⏎云江市应急管理局), and a title may end there."""
    compiled = _rules()
    formula_patterns = [r.pattern for r in compiled.rules if r.data["form"] == "formula"]
    docs = {"title": _Text(title), "body": _Text(body, formula_patterns, soft_breaks)}
    hits: list[Hit] = []
    formulas: list[tuple[Hit, bool]] = []
    index = (compiled.keywords, compiled.within)
    present = {field: keywords_in(doc.norm, index) for field, doc in docs.items()}
    public: bool | None = None  # worked out when a rule for 报告 has something to search
    for rule in compiled.rules:
        form = rule.data["form"]  # a title is looked for in both texts, a formula or an addressee in the body
        fields = [(field, doc) for field, doc in docs.items() if (form == "title" or field == "body")
                  and not (rule.keywords and present[field].isdisjoint(rule.keywords))]
        if not fields:
            continue
        if rule.data["kind"] == "报告":
            if public is None:
                public = is_public_report(title) or docs["body"].opens_with(compiled.public, compiled.openings)
            if public:
                continue
        unless = compiled.unless.get(rule.id)
        if unless and any(unless.search(doc.norm) for doc in docs.values()):
            continue  # 此复 closes a 批复 too
        for field, doc in fields:
            if form == "title":
                hits += doc.titles(rule, compiled.titles[rule.id], field, whole=field == "title")
            elif form == "formula":
                formulas += doc.formulas(rule)
            else:
                hits += doc.addressee(rule, compiled.requests[rule.id])
    return _without_overlaps(hits + docs["body"].not_enumerated(formulas))


def keyword_index(keywords: Iterable[str]) -> tuple[re.Pattern[str], dict[str, frozenset[str]]]:
    """One pattern for all the keywords (longest first), and for each the keywords it contains."""
    words = sorted(set(keywords), key=lambda w: (-len(w), w))
    return re.compile("|".join(map(re.escape, words)) or "(?!)"), {w: frozenset(k for k in words if k in w) for w in words}


def keywords_in(norm: str, index: tuple[re.Pattern[str], dict[str, frozenset[str]]]) -> set[str]:
    """The keywords of `index` that occur in `norm`, in one pass: at each place where one starts, the
    longest one there and every keyword inside it (so one overlapping another is found too)."""
    pattern, within = index
    found: set[str] = set()
    m = pattern.search(norm)
    while m is not None:
        found |= within[m.group()]
        m = pattern.search(norm, m.start() + 1)
    return found


def _without_overlaps(hits: list[Hit]) -> list[Hit]:
    """Of formula hits that overlap (以上请示如无不妥，请批转……执行 is found as 请示 and as 报告),
    keep the longest; order the rest by rule."""
    order = {r.id: i for i, r in enumerate(_rules().rules)}
    formulas = sorted((h for h in hits if h.rule.data["form"] == "formula"), key=lambda h: (h.start, h.start - h.end))
    kept: list[Hit] = []
    for h in formulas:
        if not kept or h.start >= kept[-1].end:
            kept.append(h)
        elif h.end - h.start > kept[-1].end - kept[-1].start:
            kept[-1] = h
    kept += [h for h in hits if h.rule.data["form"] != "formula"]
    return sorted(kept, key=lambda h: (order[h.rule.id], h.field != "title", h.start))


def _shown(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN else text[:SHOWN] + "…"


def _undecorated(text: str, start: int, end: int) -> tuple[int, int, str]:
    """text[start:end] without Markdown/HTML markup and bracketed notes (（代拟稿）【】) at its ends."""
    m = _LEADING.match(text, start, end)
    if m:
        start = m.end()
    while end > start and text[end - 1] in TRAILING_LAST:  # else nothing of _TRAILING ends there
        m = _TRAILING.search(text, max(start, end - 240), end)
        if not m or m.start() < start:
            break
        end = m.start()
    return start, end, text[start:end]


@dataclasses.dataclass(frozen=True)
class _Window:
    """A part of a text normalised with its offset map: text[start:end], where matches that start
    before `stop` belong to it (the rest, read so that a match starting near `stop` is whole, to the next)."""

    start: int
    stop: int
    end: int
    norm: str
    index: list[int]  # offset in text[start:end] of each normalised character

    def original(self, i: int, j: int) -> tuple[int, int]:
        """The original span (offsets in the whole text) of normalised norm[i:j]."""
        return self.start + self.index[i], self.start + self.index[j - 1] + 1

    def at(self, pos: int) -> int:
        """The normalised position of original offset `pos`."""
        return bisect.bisect_left(self.index, pos - self.start)

    def owns(self, i: int) -> bool:
        """Whether a match at normalised position i starts in this window's own part."""
        return i < len(self.index) and self.start + self.index[i] < self.stop

    def sentence_end(self, text: str, i: int, j: int, after: bool = False, clause: bool = False) -> int:
        """The offset of the first sentence end (with `clause`, also a comma) in the original of norm[i:j],
        counting what was dropped before it (and, with `after`, after it); -1 if there is none."""
        start = self.start + (self.index[i - 1] + 1 if i > 0 else 0)
        end = self.start + (self.index[j] if j < len(self.index) else self.end - self.start) if after \
            else self.start + self.index[j - 1] + 1
        stops = CLAUSE_END if clause else SENTENCE_END
        return next((k for k in range(start, end) if text[k] in stops), -1)


class _Text:
    """One original text, its lines, and its normalised form: whole for the keyword pre-filter, and
    with the offset map a window at a time (memory bounded whatever the length of the text)."""

    def __init__(self, text: str, formula_patterns: Sequence[re.Pattern[str]] = (),
                 soft_breaks: Iterable[int] = ()) -> None:
        self.text = text
        self.formula_patterns = formula_patterns
        self.soft = sorted(soft_breaks)
        self._soft = set(self.soft)
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._units: list[tuple[str, list[tuple[int, int]]]] | None = None
        self._blocks: dict[int, tuple[str, int]] = {}
        self._quotes = (-1, 0, 0, 0)  # (line start, counted up to, open quotes, straight quote open)
        self._windows: dict[int, _Window] = {}
        # a text of one window is normalised once: the window's normal form (with its offset map) is the text's
        self.norm = self.window(0).norm if 0 < len(text) <= SPAN else normalize.compact(text)

    # -- offsets

    def window(self, k: int) -> _Window:
        """The k-th window (the last two are kept)."""
        w = self._windows.get(k)
        if w is None:
            start = k * SPAN
            stop = min(start + SPAN, len(self.text))
            end = min(stop + OVERLAP, len(self.text))
            norm, index = normalize.normalizer().mapped(self.text[start:end])
            w = _Window(start, stop, end, norm, index)
            if len(self._windows) >= 2:
                del self._windows[min(self._windows)]
            self._windows[k] = w
        return w

    def windows(self, first: int = 0) -> Iterator[_Window]:
        """The windows from the one holding offset `first` to the end."""
        for k in range(first // SPAN, (len(self.text) + SPAN - 1) // SPAN):
            yield self.window(k)

    def normalised(self, start: int, end: int) -> str:
        """The normalised form of original text[start:end]."""
        w = self.window(start // SPAN) if self.text else None
        if w is None or end > w.end:
            return normalize.compact(self.text[start:end])
        return w.norm[w.at(start):w.at(end)]

    def line(self, pos: int) -> tuple[int, int, int]:
        """(line number from 0, its start, its end) of an offset."""
        n = bisect.bisect_right(self.starts, pos) - 1
        end = self.starts[n + 1] - 1 if n + 1 < len(self.starts) else len(self.text)
        return n, self.starts[n], end

    def block(self, n: int) -> tuple[str, int]:
        """A line's block type (blank, rule, heading, list, table, para) and where its content starts."""
        known = self._blocks.get(n)
        if known is None:
            known = self._blocks[n] = self._block(n)
        return known

    def _block(self, n: int) -> tuple[str, int]:
        start = self.starts[n]
        end = self.starts[n + 1] - 1 if n + 1 < len(self.starts) else len(self.text)
        at = _BLOCK.match(self.text, start, end).end()  # type: ignore[union-attr]
        if not _NONBLANK.search(self.text, at, end):
            return "blank", end
        if _RULE_LINE.match(self.text, at, end):
            return "rule", end
        if self.text.startswith("|", at):
            return "table", at
        m = _HEADING.match(self.text, at, end)
        if m:
            return "heading", m.end()
        m = _LIST.match(self.text, at, end)
        if m:
            return "list", m.end()
        return "para", at

    # -- titles

    def units(self) -> list[tuple[str, list[tuple[int, int]]]]:
        """The non-blank lines: each a block of the published view (a heading, a paragraph with its soft
        line breaks joined, a list item, a table row), with its content span."""
        if self._units is None:
            units: list[tuple[str, list[tuple[int, int]]]] = []
            for n in range(len(self.starts)):
                kind, at = self.block(n)
                end = self.starts[n + 1] - 1 if n + 1 < len(self.starts) else len(self.text)
                if kind not in ("blank", "rule"):
                    units.append((kind, [(at, end)]))
            self._units = units
        return self._units

    def candidates(self, whole: bool) -> Iterator[tuple[int, int]]:
        """Original spans that may be a title: a heading or a paragraph, or two or three short ones in a
        row (a title wrapped over lines), or a paragraph's start before its addressee; with `whole`,
        the whole text."""
        if whole:
            yield 0, len(self.text)
            return
        units = self.units()
        for i, (kind, lines) in enumerate(units):
            if kind not in ("heading", "para"):
                continue
            for k in range(1, min(len(lines), 4) + 1):
                yield lines[0][0], lines[k - 1][1]
            line_start, line_end = lines[0]
            first = bisect.bisect_left(self.soft, line_start)
            for p in self.soft[first:first + 3]:  # its first source lines (a title, then the addressee ...)
                if p < min(line_end, line_start + TITLE_MAX):
                    yield line_start, p
            yield from self._before_addressee(*lines[0])
            part = lines
            for kind2, lines2 in units[i + 1:i + 3]:
                if kind2 not in ("heading", "para") or not self._short(part[0][0], part[-1][1]) \
                        or not self._short(lines2[0][0], lines2[-1][1]):
                    break
                yield lines[0][0], lines2[-1][1]
                part = lines2

    def _before_addressee(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        """The title of a paragraph that goes on with the addressee after a space (a soft line break
        of the source, joined by the published view): 关于……的请示 市人民政府： ……"""
        for m in _SPACES.finditer(self.text, start, min(end, start + TITLE_MAX)):
            if _ADDRESSEE.match(self.text, m.end(), end):
                yield start, m.start()
                return

    def _short(self, start: int, end: int) -> bool:
        """A part of a wrapped title: short, and no sentence punctuation."""
        if end - start > TITLE_PART * 3:
            return False
        piece = self.text[start:end]
        return len(self.normalised(start, end)) <= TITLE_PART and not any(c in piece for c in "。；！？!?;：:，,")

    def titles(self, rule: Rule, pattern: re.Pattern[str], field: str, whole: bool) -> list[Hit]:
        seen: set[tuple[int, int]] = set()
        for start, end in self.candidates(whole):
            if end - start > TITLE_MAX:
                continue
            start, end, raw = _undecorated(self.text, start, end)
            if (start, end) in seen or not raw or raw[0] in OPEN_QUOTES:
                continue
            if not whole and (raw[-1] in NOT_TITLE_END or _ENUMERATOR.match(raw)):
                continue  # in the body, a sentence or an item of a list (the title field is the title)
            seen.add((start, end))
            norm = self.normalised(start, end).replace("\n", "")
            if not any(k in norm for k in rule.keywords) or not pattern.fullmatch(norm):
                continue
            if any(a.search(norm) for a in rule.allow):
                continue
            return [Hit(rule, rule.data["kind"], field, start, end, _shown(raw))]
        return []

    def opens_with(self, title: re.Pattern[str], opening: re.Pattern[str]) -> bool:
        """Whether one of the first blocks (headings, paragraphs) is a title that `title` finds (a public
        report's), or begins as `opening` does (本报告根据《政府信息公开条例》……编制)."""
        seen = 0
        for n in range(len(self.starts)):
            kind, start = self.block(n)
            if kind == "blank":
                continue
            seen += 1
            if seen > OPENING_BLOCKS:
                break
            if kind not in ("heading", "para"):
                continue
            end = self.starts[n + 1] - 1 if n + 1 < len(self.starts) else len(self.text)
            if opening.search(self.normalised(start, min(end, start + TITLE_MAX * 2))[:TITLE_MAX]):
                return True
            if end - start <= TITLE_MAX:
                start, end, _ = _undecorated(self.text, start, end)
                if title.search(self.normalised(start, end)):
                    return True
        return False

    # -- formulas

    def formulas(self, rule: Rule) -> list[tuple[Hit, bool]]:
        """Every hit of a formula rule, and whether it is a mention."""
        out = []
        for w in self.windows():
            pos = 0
            while True:
                found = rule.pattern.search(w.norm, pos)
                if found is None or not w.owns(found.start()):
                    break
                m = self._within_sentence(w, rule.pattern, found)
                if m is None or m.end() == m.start():
                    pos = found.start() + 1
                    continue
                pos = m.end()
                out.append(self._formula(rule, w, m))
        return out

    def _formula(self, rule: Rule, w: _Window, m: re.Match[str]) -> tuple[Hit, bool]:
        """The hit of a match, cut before a tail that crosses a sentence end, and whether it is a mention."""
        groups = m.groupdict()
        stop = min((m.start(g) for g, v in groups.items() if v and g.startswith("tail")
                    and w.sentence_end(self.text, *m.span(g)) >= 0), default=m.end())
        start, end = w.original(m.start(), stop)
        mention = self.mention(start, end) or (groups.get("noquestion") is not None and self._after_question(start))
        return Hit(rule, rule.data["kind"], "body", start, end, "" if mention else _shown(self.text[start:end])), mention

    def _after_question(self, start: int) -> bool:
        _, line_start, _ = self.line(start)
        return self._significant(start - 1, max(line_start, start - WINDOW) - 1, -1) in ("？", "?", "！", "!")

    def not_enumerated(self, found: list[tuple[Hit, bool]]) -> list[Hit]:
        """The formulas said, not mentioned: a formula next to another one with only a semicolon or
        an enumeration comma between (妥否，请批示；当否，请批复；……) is one of a list of formulas."""
        found = sorted(found, key=lambda x: (x[0].start, x[0].end))
        starts = [h.start for h, _ in found]
        ends = sorted(h.end for h, _ in found)
        out = []
        for hit, mention in found:
            if mention:
                continue
            before = bisect.bisect_right(ends, hit.start) - 1
            after = bisect.bisect_left(starts, hit.end)
            if before >= 0 and _ENUMERATION.fullmatch(self.text, ends[before], hit.start):
                continue
            if after < len(starts) and _ENUMERATION.fullmatch(self.text, hit.end, starts[after]):
                continue
            out.append(hit)
        return out

    def _within_sentence(self, w: _Window, pattern: re.Pattern[str], m: re.Match[str] | None) -> re.Match[str] | None:
        """`m`, or if one of its gaps crosses a sentence end, the match at the same place that stops
        before it (the next alternative: 请予支持为盼。特此函告 is 请予支持为盼, not 请……函告)."""
        while m is not None:
            ends = [w.sentence_end(self.text, *m.span(g), True, g.startswith("clause"))
                    for g, v in m.groupdict().items() if v and g.startswith(("gap", "clause"))]
            cut = min((e for e in ends if e >= 0), default=-1)
            if cut < 0:
                return m
            m = pattern.match(w.norm, m.start(), w.at(cut))
        return None

    def mention(self, start: int, end: int) -> bool:
        """Whether text[start:end] is talked about rather than said: quoted, inside a sentence,
        in an enumeration (a list item or table cell of its own) or introduced by a colon."""
        n, line_start, line_end = self.line(start)
        kind, content = self.block(n)
        if kind == "table":
            cell = self.text.rfind("|", max(content, start - WINDOW), start)
            content = cell + 1 if cell >= 0 else max(content, start - WINDOW)
            cell_end = self.text.find("|", end, min(line_end, end + WINDOW))
            line_end = cell_end if cell_end >= 0 else min(line_end, end + WINDOW)
        if self.quoted(content, start, end, min(line_end, end + WINDOW)):
            return True
        lo, hi = max(content, start - WINDOW), min(line_end, end + WINDOW)
        b, a = self._significant_at(start - 1, lo - 1, -1), self._significant_at(end, hi, 1)
        before = self.text[b] if b >= 0 else None
        after = self.text[a] if a >= 0 else None
        # across a line break of the source, only a word that introduces or names the formula makes it a mention
        if before is not None and before not in BOUNDARY_BEFORE and not (
                self._soft_between(b, start) and not _CUE_BEFORE.search(self.text, max(lo, b - 4), b + 1)):
            return True
        if after is not None and after not in BOUNDARY_AFTER and not (
                self._soft_between(end, a) and not _CUE_AFTER.match(self.text, a, hi)):
            return True
        alone = before is None and _TRAILER.match(self.text, end, line_end).end() == line_end  # type: ignore[union-attr]
        if alone and kind in ("table", "list"):
            return True
        return alone and self._after_colon(n)

    def quoted(self, left: int, start: int, end: int, right: int) -> bool:
        """Whether an opening quote between `left` (the start of the line) and `start` is closed
        between `end` and `right`. The quotes of a line are counted once, however many hits it has."""
        cached = self._quotes[0] == left and self._quotes[1] <= start
        at, depth, straight = (self._quotes if cached else (left, left, 0, 0))[1:]
        for m in _QUOTES.finditer(self.text, at, start):
            c = m.group()
            if c in OPEN_QUOTES:
                depth += 1
            elif c in CLOSE_QUOTES:
                depth = max(depth - 1, 0)
            else:
                straight ^= 1
        self._quotes = (left, start, depth, straight)
        if depth == 0 and not straight:
            return False
        return bool((_CLOSING if depth else _STRAIGHT).search(self.text, end, right))

    def _significant(self, i: int, stop: int, step: int) -> str | None:
        """The first character from i towards stop (exclusive) that is not space, markup or a tag."""
        at = self._significant_at(i, stop, step)
        return self.text[at] if at >= 0 else None

    def _significant_at(self, i: int, stop: int, step: int) -> int:
        """Where that character is; -1 if there is none."""
        text = self.text
        while i != stop:
            c = text[i]
            if c in MARKUP:
                i += step
                continue
            if step < 0 and c == ">":
                j = text.rfind("<", max(stop + 1, i - 200), i)
                if j >= 0 and _TAG.fullmatch(text, j, i + 1):
                    i = j - 1
                    continue
            if step > 0 and c == "<":
                m = _TAG.match(text, i, min(stop, i + 203))
                if m:
                    i = m.end()
                    continue
            return i
        return -1

    def _soft_between(self, start: int, end: int) -> bool:
        return bool(self._soft) and any(p in self._soft for p in range(start, end))

    def _after_colon(self, n: int) -> bool:
        """Whether the last line before line n that is neither blank nor a formula alone ends with a colon
        (常用结束语有：/ 妥否，请批示。/ 当否，请批复。: a list of formulas, one a line)."""
        for m in range(n - 1, max(n - LOOK_BACK, -1), -1):
            kind, at = self.block(m)
            end = self.starts[m + 1] - 1
            if kind == "blank" or (end - at <= SHOWN * 4 and any(
                    p.fullmatch(self.normalised(at, end).strip()) for p in self.formula_patterns)):
                continue
            return self._significant(end - 1, at - 1, -1) in ("：", ":")
        return False

    # -- the addressee

    def addressee(self, rule: Rule, requests: re.Pattern[str]) -> list[Hit]:
        """A superior organ addressed at the start of the body ("市人民政府："), then a request."""
        seen = 0
        for n in range(len(self.starts)):
            kind, at = self.block(n)
            if kind == "blank":
                continue
            seen += 1
            if seen > ADDRESSEE_LINES:
                break
            end = self.starts[n + 1] - 1 if n + 1 < len(self.starts) else len(self.text)
            colon = min((i for i in (self.text.find("：", at, end), self.text.find(":", at, end)) if i >= 0),
                        default=-1)
            if colon < 0 or colon - at > 40 or any(c in self.text[at:colon] for c in "。，,；;"):
                continue
            if not rule.pattern.fullmatch(self.normalised(at, colon)):
                continue
            return self._request(rule, requests, at, colon + 1)
        return []

    def _request(self, rule: Rule, requests: re.Pattern[str], start: int, end: int) -> list[Hit]:
        for w in self.windows(end):
            for m in requests.finditer(w.norm, w.at(end)):
                if not w.owns(m.start()):
                    break
                s, e = w.original(m.start(), m.end())
                _, line_start, line_end = self.line(s)
                if self.quoted(line_start, s, e, min(line_end, e + WINDOW)):
                    continue
                kind = "报告" if "报告" in m.group() else rule.data["kind"]
                shown = f"{_shown(self.text[start:end])}……{_shown(self.text[s:e])}"
                return [Hit(rule, kind, "body", start, end, shown)]
        return []


# ---------------------------------------------------------------- the check


def _where(article: Article, hit: Hit, text: str) -> tuple[int, int]:
    """Line and column in the item's file of a hit in the published title or body."""
    raw = text[hit.start:hit.end]
    if hit.field == "title":
        line = article.line_of("title")
        written = article.text.split("\n", line)[line - 1] if line >= 1 else ""
        first = raw.split("\n", 1)[0][:12]
        return line, (written.find(first) + 1 if first and first in written else 1)
    line_start = text.rfind("\n", 0, hit.start) + 1
    line_end = text.find("\n", hit.end)
    context = text[line_start:line_end if line_end >= 0 else len(text)][:400]
    return view.locate(article, raw.split("\n", 1)[0][:200], context=context)


def check(portal: Portal, article: Article) -> Iterable[Finding]:
    column = portal.columns.get(article.column)
    if column is None:
        return
    reasons = forbidden()
    kind = article.type
    public_report = kind == "报告" and is_public_report(article.title)  # required by law: any column
    if kind and kind in portal.config.kinds and kind not in column.kinds and not public_report:
        line, col = locate.in_field(article, "type")
        if kind in reasons:
            yield Finding(article.path, line, col, "KIND-FORBIDDEN", CATEGORY, ERROR,
                          f"文种“{kind}”：{reasons[kind]}。栏目“{column.title}”允许的文种：{'、'.join(column.kinds)}。"
                          "如内容确需公开，请改写为可公开的文种（如通知、通报、公告）后重新报送", match=kind)
        else:
            yield Finding(article.path, line, col, "KIND-COLUMN", CATEGORY, ERROR,
                          f"栏目“{column.title}”不发布文种“{kind}”。允许的文种：{'、'.join(column.kinds)}。"
                          "请改为其中之一，或把稿件移到发布该文种的栏目", match=kind)
    published = view.of(article)
    texts = {"title": published.text("title"), "body": published.text("body")}
    lines = published.text("body:lines")
    soft = [m.start() for m in re.finditer("\n", lines) if texts["body"][m.start()] == " "] \
        if len(lines) == len(texts["body"]) else []
    done: set[str] = set()
    for hit in scan(texts["title"], texts["body"], soft):
        if hit.rule.id in done or hit.kind in column.kinds:
            continue
        done.add(hit.rule.id)
        line, col = _where(article, hit, texts[hit.field])
        yield Finding(article.path, line, col, hit.rule.id, CATEGORY, hit.rule.severity,
                      f"{hit.rule.description}：“{hit.text}”，看起来是{hit.kind}。{reasons.get(hit.kind, '')}。"
                      "请删除或改写为可公开的内容；如确属误报，请在 accepted.yml 中登记并说明理由",
                      match=f"{hit.field}\0{hit.text}")


# ---------------------------------------------------------------- samples and the hook


def sample_errors() -> list[str]:
    """What is wrong with the rules' samples, each scanned by the whole ruleset as an item is: a formula
    or addressee sample as the body; a title sample as the body and as the title (but a no_match list
    item or table row, which only the body has)."""
    out: list[str] = []
    for rule in _rules().rules:
        def found(sample: str, as_title: bool, rule_id: str = rule.id) -> bool:
            hits = scan(sample, "") if as_title else scan("", sample)
            return any(h.rule.id == rule_id for h in hits)

        title = rule.data["form"] == "title"
        out += [f"{rule.id}: 应命中却未命中：{s!r}" for s in rule.match
                if not found(s, False) or (title and not found(s, True))]
        out += [f"{rule.id}: 不应命中却命中了：{s!r}" for s in rule.no_match
                if found(s, False) or (title and not s.lstrip().startswith(("-", "|")) and found(s, True))]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    return hook_main([sys.modules[__name__]], argv)  # type: ignore[list-item]


if __name__ == "__main__":
    raise SystemExit(main())
