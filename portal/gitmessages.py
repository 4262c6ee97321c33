"""git and ssh messages explained in Chinese; the original line is kept for the administrator.

The table is data: (English pattern, Chinese explanation with {group} fields, a real sample line the
pattern must explain). `explain(text)` returns `text` unchanged followed by one 说明 line per
recognised message. The CLI applies it to every PortalError it prints; code that shows git's or
ssh's output some other way (e.g. the server's messages after a push) should pass it through too.
"""
from __future__ import annotations

import re

MESSAGES: list[tuple[str, str, str]] = [
    # ssh: keys, passphrases, connecting
    (r"Enter passphrase",
     "私钥设有口令，而 portal 在后台调用 ssh-keygen，无法在此输入口令。请先运行 `ssh-add 私钥文件` 输入一次口令"
     "（把密钥交给 ssh-agent），再重试",
     'Enter passphrase: Load key "k": incorrect passphrase supplied to decrypt private key'),
    (r"Couldn't load public key (?P<path>\S+?):?(?: .*)?$",
     "无法读取 SSH 密钥 {path}。请确认 `git config user.signingkey` 指向本人的私钥文件（如 ~/.ssh/id_ed25519）且文件存在",
     "Couldn't load public key /home/sun/.ssh/id_ed25519: No such file or directory"),
    (r"incorrect passphrase supplied to decrypt private key",
     "私钥口令不正确。请用 `ssh-add 私钥文件` 重新输入正确的口令",
     'Load key "k": incorrect passphrase supplied to decrypt private key'),
    (r"Load key \"(?P<path>[^\"]+)\": (?P<why>.*)",
     "无法载入私钥 {path}（{why}）。私钥文件须为本人的 OpenSSH 私钥，权限为 600（chmod 600 {path}）",
     'Load key "/home/sun/.ssh/id_ed25519": bad permissions'),
    (r"UNPROTECTED PRIVATE KEY FILE",
     "私钥文件的权限过宽，ssh 拒绝使用。请运行 chmod 600 私钥文件",
     "@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @"),
    (r"Permission denied \((?P<methods>[^)]*publickey[^)]*)\)",
     "SSH 认证失败：服务器不接受你的 SSH 密钥。请确认已把公钥（.pub 文件）交给服务器管理员加入授权列表，"
     "并用 `ssh -T 服务器地址` 测试连接",
     "git@git.example.gov.cn: Permission denied (publickey)."),
    (r"Host key verification failed",
     "无法核验服务器的主机密钥（第一次连接，或服务器的密钥变了）。请向管理员核实服务器指纹后再连接，不要随意确认",
     "Host key verification failed."),
    (r"Could not resolve hostname (?P<host>[^:\s]+)",
     "无法解析服务器地址 {host}。请检查网络连接和仓库地址（git remote -v）",
     "ssh: Could not resolve hostname git.example.gov.cn: Name or service not known"),
    (r"connect to host (?P<host>\S+) port (?P<port>\d+): Connection refused",
     "服务器 {host} 的端口 {port} 拒绝连接。请确认服务器地址、端口正确且服务已启动",
     "ssh: connect to host 127.0.0.1 port 22: Connection refused"),
    (r"Connection timed out|Operation timed out",
     "连接服务器超时。请检查网络，或联系服务器管理员",
     "ssh: connect to host 10.0.0.1 port 22: Connection timed out"),
    (r"Could not read from remote repository",
     "无法读取远程仓库：请确认仓库地址正确，且你有访问权限",
     "fatal: Could not read from remote repository."),
    # ssh-keygen -Y (review signatures)
    (r"Signature verification failed|Could not verify signature",
     "签名核验失败：签名与内容或公钥不符。请确认 roster.yml 中登记的是本人的公钥",
     "Signature verification failed: incorrect signature"),
    (r"[Nn]o principal matched",
     "签名的公钥不是名册中登记的那一把。请确认 `git config user.signingkey` 与 roster.yml 中本人的公钥对应",
     "No principal matched."),
    (r"gpg failed to sign the data|signing failed",
     "签名失败。请确认 `git config gpg.format ssh` 且 `git config user.signingkey` 指向本人的私钥",
     "error: gpg failed to sign the data"),
    # git push and the server's hooks
    (r"pre-receive hook declined",
     "服务器的审核门禁（pre-receive 钩子）拒绝了这次推送；以 remote: 开头的各行是具体原因。请按原因修改后重新推送",
     " ! [remote rejected] main -> main (pre-receive hook declined)"),
    (r"\[rejected\].*\((?:non-fast-forward|fetch first)\)|Updates were rejected because",
     "推送被拒绝：服务器上的分支已有你本地没有的提交。请先 `git pull --rebase`（或 git fetch 后合并），再推送",
     " ! [rejected]        main -> main (non-fast-forward)"),
    (r"\[remote rejected\] (?P<ref>\S+).*\((?P<why>[^)]*)\)",
     "服务器拒绝更新 {ref}（{why}）",
     " ! [remote rejected] main -> main (shallow update not allowed)"),
    (r"failed to push some refs to '(?P<url>[^']+)'",
     "推送到 {url} 失败，原因见上文各行；服务器上的内容没有改变",
     "error: failed to push some refs to 'ssh://git@git.example.gov.cn/portal.git'"),
    (r"could not read Username for '(?P<url>[^']+)'",
     "访问 {url} 需要用户名和密码，但无法在终端中询问。请改用 SSH 地址（git remote set-url），或配置 Git 凭据助手",
     "fatal: could not read Username for 'https://git.example.gov.cn': terminal prompts disabled"),
    (r"Authentication failed for '(?P<url>[^']+)'",
     "{url} 的用户名或密码（令牌）不正确",
     "fatal: Authentication failed for 'https://git.example.gov.cn/portal.git/'"),
    (r"unable to access '(?P<url>[^']+)': (?P<why>.*)",
     "无法访问 {url}（{why}）。请检查网络和仓库地址",
     "fatal: unable to access 'https://git.example.gov.cn/portal.git/': Could not resolve host: git.example.gov.cn"),
    (r"'(?P<remote>[^']+)' does not appear to be a git repository",
     "“{remote}”不是 Git 仓库或远程仓库名。请用 `git remote -v` 查看远程仓库",
     "fatal: 'origin' does not appear to be a git repository"),
    (r"couldn't find remote ref (?P<ref>\S+)",
     "远程仓库中没有 {ref}。请确认分支名",
     "fatal: couldn't find remote ref review/x"),
    # merging
    (r"CONFLICT \((?P<kind>[^)]+)\): (?:Merge conflict in )?(?P<rest>.*)",
     "合并冲突：{rest}。两边改了同一处内容。请打开文件，保留正确的内容并删除 <<<<<<<、=======、>>>>>>> 标记，"
     "然后 git add 该文件并提交",
     "CONFLICT (content): Merge conflict in content/news/2026-06-03-fang-xun.md"),
    (r"Automatic merge failed; fix conflicts and then commit the result",
     "自动合并失败：请先解决上面列出的冲突，再提交",
     "Automatic merge failed; fix conflicts and then commit the result."),
    (r"Your local changes to the following files would be overwritten",
     "本地有未提交的改动，会被这次操作覆盖。请先提交（git commit）或另存这些改动，再重试",
     "error: Your local changes to the following files would be overwritten by merge:"),
    (r"untracked working tree files would be overwritten",
     "工作区中未纳入 Git 的文件会被这次操作覆盖。请先把它们移走或提交",
     "error: The following untracked working tree files would be overwritten by merge:"),
    (r"refusing to merge unrelated histories",
     "两个分支没有共同的历史，拒绝合并。请确认合并的是同一个门户仓库的分支",
     "fatal: refusing to merge unrelated histories"),
    (r"You have not concluded your merge|MERGE_HEAD exists",
     "上一次合并尚未完成。请解决冲突后提交，或用 `git merge --abort` 放弃那次合并",
     "fatal: You have not concluded your merge (MERGE_HEAD exists)."),
    (r"^CONFLICT|[Mm]erge conflict",
     "合并冲突：请解决冲突后提交",
     "error: merge conflict in 2 files"),
    # local repository
    (r"not a git repository",
     "当前目录不是 Git 仓库。请在门户仓库目录中运行，或用 --root 指定门户仓库",
     "fatal: not a git repository (or any of the parent directories): .git"),
    (r"Please tell me who you are|unable to auto-detect email address",
     "Git 还不知道你是谁。请运行 `git config user.name 姓名` 和 `git config user.email 邮箱`",
     "*** Please tell me who you are."),
    (r"pathspec '(?P<path>[^']+)' did not match any file",
     "Git 中没有与“{path}”对应的文件。请检查路径",
     "error: pathspec 'content/x.md' did not match any file(s) known to git"),
    (r"There is no tracking information for the current branch",
     "当前分支没有对应的远程分支。请用 `git push -u origin 分支名` 首次推送",
     "There is no tracking information for the current branch."),
    (r"Could not resolve host: (?P<host>\S+)",
     "无法解析服务器地址 {host}。请检查网络连接和仓库地址",
     "Could not resolve host: git.example.gov.cn"),
]

_COMPILED = [(re.compile(pattern), chinese) for pattern, chinese, _ in MESSAGES]


def explanations(text: str) -> list[tuple[str, str]]:
    """(original line, Chinese explanation) for each line of `text` that one of MESSAGES recognises.

    One explanation per line (the first pattern that matches) and each explanation only once.
    """
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for line in text.splitlines():
        stripped = line.strip()
        for pattern, chinese in _COMPILED:
            m = pattern.search(stripped)
            if m is None:
                continue
            explained = chinese.format(**{k: v or "" for k, v in m.groupdict().items()})
            if explained not in seen:
                seen.add(explained)
                out.append((stripped, explained))
            break
    return out


def explain(text: str) -> str:
    """`text` followed by a Chinese 说明 for each git or ssh message in it (unchanged if there is none)."""
    found = explanations(text)
    if not found:
        return text
    notes = "\n".join(f"说明：{chinese}（原文：{line}）" for line, chinese in found)
    return f"{text}\n{notes}"
