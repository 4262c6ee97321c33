"""Text normalisation for matching that survives evasion, with a map back to the original.

The normalised ("compact") text of a string keeps, for each original character:

- nothing, if it is a separator: whitespace other than the newline, zero-width and other
  format characters (U+200B..U+200D, U+2060, U+FEFF, soft hyphen...), combining marks,
  punctuation, symbols (so every star, ★ ☆ ＊ * ✱, is dropped as well), part of an HTML tag or of a
  Markdown footnote reference ([^1]);
- otherwise its NFKC form when that is one character (full-width Ａ１ -> A1, ㊙ -> 秘, Kangxi
  radicals and compatibility ideographs -> the usual ideograph), converted from Traditional to
  Simplified with OpenCC's t2s dictionary (機 -> 机, 內 -> 内).

Newlines are kept, so line N of the compact text comes from line N of the original.
"秘 密 ★ 1 年", "機密★1年", "内\u200b部资料" and "内·部·资·料" all become "秘密1年",
"机密1年", "内部资料", "内部资料". A pattern that needs a separator (the ★ of a
classification marking) looks at the original text through the offset map.

`compact()` is used on every text; `mapped()` gives the same string with the original offset of
each character, for texts where something matched. Both work on the UTF-16 code units with numpy.
"""
from __future__ import annotations

import functools
import re
import sys
import unicodedata
from typing import Any

import numpy as np

# Characters that stand for the ★ of GB/T 9704-2012 markings (checks look for them in the original).
STARS = "★☆✩✪✫✬✭✮✯✰✱✲✳✴✵✶✷✸✹✺✻✼✽⭐⭑⭒🌟🟉🟊*＊﹡∗⋆⁎"
# HTML tags are markup, not text: "内<b></b>部资料" reads as 内部资料 on the page.
# (<https://…> is an autolink, its text is shown)
TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>\n]*)?/?>")
# Markup dropped like a tag: HTML tags, and Markdown footnote references ("内部[^1]资料" reads as 内部资料
# with a small superscript on the page).
MARKUP = re.compile(TAG.pattern + r"|\[\^[^\]\s]{1,40}\]")


def _has_markup(text: str) -> bool:
    return "<" in text or "[^" in text

# Blocks converted by OpenCC, and blocks whose NFKC forms and categories are looked at.
_HAN = (range(0x3400, 0x4DC0), range(0x4E00, 0xA000), range(0xF900, 0xFB00))
_OTHER = (range(0x0000, 0x3400), range(0xA000, 0xD800), range(0xE000, 0x10000), range(0x1D400, 0x1D800),
          range(0x2F800, 0x2FA20))
# Outside the BMP, whole blocks are separators: emoji and pictographs, and the invisible tag characters.
# (One range each keeps the regexes fast: sre tests a character against a list of ranges one by one.)
_ASTRAL_SEPARATORS = (range(0x1F000, 0x1FB00), range(0xE0000, 0xE0080))


def _is_separator(ch: str) -> bool:
    if ch == "\n":
        return False
    return unicodedata.category(ch)[0] in "ZPSMC" and not _is_private(ch)


def _is_private(ch: str) -> bool:
    return unicodedata.category(ch) in ("Co", "Cn")


class Normalizer:
    """Built once per process (about 0.15 s): the character table, as a dict and as arrays."""

    def __init__(self) -> None:
        import opencc  # the official OpenCC package (C++ library with its dictionaries)

        t2s = opencc.OpenCC("t2s")
        separators: list[str] = []
        table: dict[int, str] = {}
        for block in _HAN:
            chars = [chr(c) for c in block]
            # one character a line: OpenCC's phrase dictionary never joins two of them
            for ch, simple in zip(chars, t2s.convert("\n".join(chars)).split("\n"), strict=True):
                if simple != ch and len(simple) == 1:
                    table[ord(ch)] = simple
        for ch in (chr(c) for block in _OTHER for c in block):
            nfkc = unicodedata.normalize("NFKC", ch)
            if ch not in STARS and len(nfkc) == 1 and nfkc != ch and not _is_separator(nfkc):
                table[ord(ch)] = table.get(ord(nfkc)) or t2s.convert(nfkc)  # ＡＢ, ㊙, ⼈
            elif ch in STARS or _is_separator(ch) or (len(nfkc) == 1 and _is_separator(nfkc)):
                separators.append(ch)
                table.pop(ord(ch), None)
        # t2s turns a few hundred rare Extension A characters into Extension B+ ones: they stay as they are,
        # so that a BMP character is always one UTF-16 unit, before and after
        table = {code: form for code, form in table.items() if code >= 0x10000 or ord(form) < 0x10000}
        separators = [c for c in separators if c not in STARS or ord(c) < 0x10000]
        astral = [chr(c) for r in _ASTRAL_SEPARATORS for c in r]
        self.table = table
        self.separators = frozenset(separators + astral)
        # The same table as arrays over UTF-16 code units, for texts without characters outside the BMP
        # (nearly all): one vectorised pass gives the normalised text and the offset map, ten times
        # faster than a regex or str.translate.
        self._map = np.arange(0x10000, dtype=np.uint16)
        for code, form in table.items():
            if code < 0x10000:
                self._map[code] = ord(form)
        self._drop = np.zeros(0x10000, dtype=bool)
        self._drop[[ord(c) for c in separators if ord(c) < 0x10000]] = True

    def _units(self, text: str) -> tuple[Any, Any] | None:
        """The UTF-16 code units of `text` and which of them are kept; None if it has astral characters."""
        data = text.encode("utf-16-le", "surrogatepass")
        if len(data) != 2 * len(text):
            return None
        codes = np.frombuffer(data, dtype=np.uint16)
        keep = ~self._drop[codes]
        if _has_markup(text):
            for m in MARKUP.finditer(text):
                keep[m.start():m.end()] = False
        return codes, keep

    def compact(self, text: str) -> str:
        """The normalised text."""
        return self.compact_utf16(text).decode("utf-16-le", "surrogatepass")

    def compact_utf16(self, text: str) -> bytes:
        """The normalised text encoded as UTF-16-LE (what the keyword pre-filter reads, without decoding)."""
        units = self._units(text)
        if units is None:
            return self.mapped_slowly(text)[0].encode("utf-16-le", "surrogatepass")
        codes, keep = units
        return self._map[codes[keep]].tobytes()

    def mapped(self, text: str) -> tuple[str, list[int]]:
        """The normalised text and, for each of its characters, the offset in `text` it came from."""
        units = self._units(text)
        if units is None:
            return self.mapped_slowly(text)
        codes, keep = units
        index = np.flatnonzero(keep)
        return self._map[codes[index]].tobytes().decode("utf-16-le", "surrogatepass"), index.tolist()

    def mapped_slowly(self, text: str) -> tuple[str, list[int]]:
        """mapped() one character at a time: for texts with characters outside the BMP, and the reference."""
        skip: set[int] = set()
        if _has_markup(text):
            for m in MARKUP.finditer(text):
                skip.update(range(m.start(), m.end()))
        out: list[str] = []
        index: list[int] = []
        table, separators = self.table, self.separators
        for i, ch in enumerate(text):
            if i in skip or ch in separators:
                continue
            out.append(table.get(ord(ch), ch))
            index.append(i)
        return "".join(out), index


@functools.cache
def normalizer() -> Normalizer:
    return Normalizer()


def compact(text: str) -> str:
    return normalizer().compact(text)


if __name__ == "__main__":  # python -m checks.normalize TEXT: show what the checks see
    print(compact(" ".join(sys.argv[1:])))
