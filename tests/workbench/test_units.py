"""The workbench's small parts: keys, the roster edit of the demo, item fields <-> file, upload names."""
from __future__ import annotations

import stat
import subprocess

import pytest

from portal import model
from workbench import items, setup, signing


def test_key_is_openssh_encrypted_and_unlocks_only_with_the_password(tmp_path) -> None:
    private, public = signing.generate("正确的密码-123", "sun.lixin@workbench")
    assert private.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    (tmp_path / "k").write_text(private)
    (tmp_path / "k").chmod(0o600)
    # ssh-keygen itself cannot read it without the passphrase
    assert subprocess.run(["ssh-keygen", "-y", "-P", "", "-f", str(tmp_path / "k")], capture_output=True).returncode != 0
    with pytest.raises(signing.WrongPassword), signing.unlocked(private, "错误的密码"):
        pass
    with signing.unlocked(private, "正确的密码-123") as path:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        out = subprocess.run(["ssh-keygen", "-y", "-P", "", "-f", str(path)], capture_output=True, text=True)
        assert out.stdout.split()[:2] == public.split()[:2]
        kept = path
    assert not kept.exists() and not kept.parent.exists()
    again = signing.reencrypt(private, "正确的密码-123", "新的密码-456")
    with signing.unlocked(again, "新的密码-456"):
        pass


def test_roster_key_replaced_for_one_person_only() -> None:
    roster = ("people:\n  - id: a.b\n    name: 甲\n    key: ssh-ed25519 AAAAold1\n"
              "  - id: c.d\n    name: 乙\n    key: ssh-ed25519 AAAAold2  # 注释\n")
    out = setup.set_roster_key(roster, "c.d", "ssh-ed25519 AAAAnew comment")
    assert "ssh-ed25519 AAAAold1" in out and "key: ssh-ed25519 AAAAnew\n" in out and "AAAAold2" not in out
    with pytest.raises(Exception, match="找不到"):
        setup.set_roster_key(roster, "e.f", "ssh-ed25519 AAAA")


def test_fields_round_trip_and_unknown_keys_kept() -> None:
    fields = items.Fields(column="news", title="标题：含冒号 # 与井号", date="2026-11-21 10:00", event_date="2026-11-20",
                          source="来源", department="宣教科", kind="动态", authors=("sun.lixin",),
                          reviewers={"初审": "wu.guoqing"}, tags=("防汛", "宣传"), attachments=[("a.pdf", "通知")],
                          body="正文第一行\n\n第二段\n", extra={"reprint": {"site": "新华社"}})
    text = items.compose(fields)
    fm, body, _ = model.split_front_matter(text)
    assert body == "正文第一行\n\n第二段\n"
    back = items.decompose(text, "content/news/2026-11-21-x.md")
    assert back.title == fields.title and back.reviewers == fields.reviewers and back.tags == fields.tags
    assert back.attachments == [("a.pdf", "通知")] and back.extra == {"reprint": {"site": "新华社"}}


@pytest.mark.parametrize("name", ["../a.pdf", "a/b.pdf", "a\\b.pdf", ".hidden.pdf", "a.exe", "a.zip", "noext",
                                  "a\0.pdf", "<x>.pdf", "a b.pdf"])
def test_refused_upload_names(name: str) -> None:
    with pytest.raises(items.UploadError):
        items.check_upload(name, 10, 1000)


@pytest.mark.parametrize("name", ["通知.pdf", "附件1（表格）.xlsx", "photo_01.JPG", "a-b.docx"])
def test_accepted_upload_names(name: str) -> None:
    assert items.check_upload(name, 10, 1000) == name


def test_too_large() -> None:
    with pytest.raises(items.UploadError, match="超过上传上限"):
        items.check_upload("a.pdf", 2000, 1000)
