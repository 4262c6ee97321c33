"""Text normalisation for matching that survives evasion, with a map back to the original.

The normalised ("compact") text of a string keeps, for each original character:

- nothing, if it is a separator: whitespace other than the newline, zero-width and other
  format characters (U+200B..U+200D, U+2060, U+FEFF, soft hyphen...), combining marks,
  punctuation, symbols (so every star, ★ ☆ ＊ * ✱, is dropped as well) or part of an HTML tag;
- otherwise its NFKC form when that is one character (full-width Ａ１ -> A1, ㊙ -> 秘, Kangxi
  radicals and compatibility ideographs -> the usual ideograph), converted from Traditional to
  Simplified with OpenCC's t2s dictionary (機 -> 机, 內 -> 内).

Newlines are kept, so line N of the compact text comes from line N of the original.
"秘 密 ★ 1 年", "機密★1年", "内\u200b部资料" and "内·部·资·料" all become "秘密1年",
"机密1年", "内部资料", "内部资料". A pattern that needs a separator (the ★ of a
classification marking) looks at the original text through the offset map.

`compact()` is the fast path, used on every text; `mapped()` gives the same string with the
original offset of each character, and is only run on texts where something matched.
"""
from __future__ import annotations

import functools
import re
import sys
import unicodedata

# Characters that stand for the ★ of GB/T 9704-2012 markings (checks look for them in the original).
STARS = "★☆✩✪✫✬✭✮✯✰✱✲✳✴✵✶✷✸✹✺✻✼✽⭐⭑⭒🌟🟉🟊*＊﹡∗⋆⁎"
# HTML tags are markup, not text: "内<b></b>部资料" reads as 内部资料 on the page.
# (<https://…> is an autolink, its text is shown)
TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>\n]*)?/?>")

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


def _char_class(chars: list[str]) -> str:
    """A regex character class for `chars`, written as ranges."""
    codes = sorted(ord(c) for c in chars)
    parts: list[str] = []
    start = prev = codes[0]
    for code in codes[1:] + [-1]:
        if code == prev + 1:
            prev = code
            continue
        parts.append(re.escape(chr(start)) if start == prev else f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
        start = prev = code
    return "[" + "".join(parts) + "]"


class Normalizer:
    """Built once per process (about 0.1 s): the character table and the two regexes."""

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
        separators = [c for c in separators if c not in STARS or ord(c) < 0x10000]
        astral = [chr(c) for r in _ASTRAL_SEPARATORS for c in r]
        self.table = table
        self.separators = frozenset(separators + astral)
        # the runs of characters that are kept (joining them is faster than deleting the separators);
        # a text with no character outside the BMP gets the simpler (twice as fast) regex
        kept = "[^" + _char_class(separators)[1:-1]
        self._kept_bmp = re.compile(kept + "]+")
        self._kept = re.compile(kept + "".join(f"{chr(r.start)}-{chr(r.stop - 1)}" for r in _ASTRAL_SEPARATORS) + "]+")
        # characters the table changes; any character outside the BMP takes the translate path too
        self._exotic = re.compile(_char_class([chr(c) for c in table if c < 0x10000])[:-1] + "\U00010000-\U0010ffff]")

    def compact(self, text: str) -> str:
        """The normalised text (fast: a few passes in C)."""
        if "<" in text:
            text = TAG.sub("", text)
        if self._exotic.search(text):
            return "".join(self._kept.findall(text.translate(self.table)))
        return "".join(self._kept_bmp.findall(text))

    def mapped(self, text: str) -> tuple[str, list[int]]:
        """The normalised text and, for each of its characters, the offset in `text` it came from."""
        skip: set[int] = set()
        if "<" in text:
            for m in TAG.finditer(text):
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
