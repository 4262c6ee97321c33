"""CODEOWNERS from columns.yml and roster.yml, so that a forge asks the right people to review.

Mapping (documented in review/FORMAT.md):
- every column folder `content/<id>/` -> the unit heads (role unit_head) of the column's departments;
- everything else (columns.yml, roster.yml, checks/, CI files ...) -> the administrators (role admin);
- a person is written as `@handle` when roster.yml gives a `handle` (their forge account), otherwise as
  `@` + the person id with dots turned into hyphens (forge user names cannot hold dots).
The forge's own review is only a convenience: the signed chain and the gate are what is enforced.
"""
from __future__ import annotations

from portal.config import Config, Person

HEADER = """\
# 由 `portal codeowners` 根据 columns.yml 与 roster.yml 生成，请勿手工修改（修改名册或栏目后重新生成）。
# 栏目目录 -> 负责科室的科室负责人；其余文件（配置、规则、CI） -> 网站管理员。
# 平台上的代码评审只是提醒；真正的审核是签名审核链与审核门禁（portal gate）。
"""


def handle(person: Person) -> str:
    return "@" + (person.handle or person.id.replace(".", "-"))


def _holders(config: Config, role: str, departments: tuple[str, ...] = ()) -> list[str]:
    people = [p for p in config.people.values() if role in p.roles
              and (not departments or p.department in departments)]
    return sorted({handle(p) for p in people})


def generate(config: Config) -> str:
    admins = " ".join(_holders(config, "admin")) or "@portal-admins"
    lines = [HEADER, f"*  {admins}"]
    for column in config.columns.values():
        owners = _holders(config, "unit_head", column.departments) or [admins]
        lines += [f"# {column.title}", f"/content/{column.id}/  {' '.join(owners)}"]
    return "\n".join(lines) + "\n"
