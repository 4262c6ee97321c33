"""Reading the user's files: UTF-8 only, no BOM, LF line ends; anything else is a finding, never a rewrite."""
from __future__ import annotations

from .errors import ERROR, Finding


def decode(data: bytes, path: str) -> tuple[str | None, list[Finding]]:
    """Return the text of a content or config file, or None with the reason."""

    def fail(rule: str, message: str, line: int = 1) -> tuple[None, list[Finding]]:
        return None, [Finding(path, line, 1, rule, "file", ERROR, message)]

    if not data.strip():
        return fail("FILE-EMPTY", "文件为空。请填写 front-matter 与正文（可用 `portal new` 生成模板），或删除该文件")
    if data.startswith(b"\xef\xbb\xbf"):
        return fail("FILE-BOM", "文件以 UTF-8 BOM（EF BB BF）开头。请在编辑器中另存为“UTF-8（无 BOM）”")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return fail("FILE-ENCODING", "文件是 UTF-16 编码。请另存为 UTF-8（无 BOM）")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        try:
            data.decode("gb18030")
            guess = "看起来是 GBK/GB18030 编码"
        except UnicodeDecodeError:
            guess = "不是有效的 UTF-8"
        return fail("FILE-ENCODING", f"文件{guess}（第 {line} 行起无法按 UTF-8 解码）。请在编辑器中另存为 UTF-8（无 BOM）", line)
    if "\r" in text:
        line = text.count("\n", 0, text.index("\r")) + 1
        return fail("FILE-CRLF", "文件使用 Windows（CRLF）或旧式 Mac（CR）换行。请在编辑器中将换行符改为 LF（Unix）后保存"
                    "，或运行 `git config core.autocrlf input` 后重新检出", line)
    if "\x00" in text:
        return fail("FILE-BINARY", "文件含有 NUL 字符，不是文本文件。content/ 下只能放 Markdown 稿件")
    return text, []
