"""Who may do what: one object, asked by every view, built from roster.yml and columns.yml on main.

It decides what a person is shown and offered; the review functions and the server's gate check again.
"""
from __future__ import annotations

import dataclasses

from portal.config import Column, Config, Person
from review.chain import Evaluation, StageState

INFORMANT = "informant"
MERGERS = ("office", "admin")  # 办公室 and the site administrator merge a complete chain
REPORT_READERS = ("office", "admin", "director", "leader", "leading_group", "unit_head")


@dataclasses.dataclass(frozen=True)
class Policy:
    config: Config
    person_id: str

    @property
    def person(self) -> Person | None:
        return self.config.people.get(self.person_id)

    @property
    def known(self) -> bool:
        return self.person is not None

    def roles(self) -> tuple[str, ...]:
        return self.person.roles if self.person else ()

    def role_titles(self) -> str:
        return "、".join(self.config.roles[r].title for r in self.roles() if r in self.config.roles)

    # ------------------------------------------------------------ writing

    @property
    def may_write(self) -> bool:
        return INFORMANT in self.roles()

    def columns(self) -> list[Column]:
        """Columns the person writes for: those their department is responsible for."""
        if not self.may_write or self.person is None:
            return []
        dept = self.person.department
        return [c for c in self.config.columns.values() if dept in c.departments]

    def may_write_column(self, column: str) -> bool:
        return any(c.id == column for c in self.columns())

    def departments(self) -> list[str]:
        return [self.person.department] if self.person else []

    def reviewer_choices(self, role: str, department: str, authors: tuple[str, ...] = ()) -> list[Person]:
        r = self.config.roles.get(role)
        if r is None:
            return []
        return [p for p in self.config.people.values()
                if p.may_sign(r, department) and p.id not in authors and p.id != self.person_id]

    def may_edit(self, ev: Evaluation) -> bool:
        """Only the informant who submitted it (or an author of it) revises a submission."""
        s = ev.subject
        authors = s.article.authors if s.article else ()
        return self.may_write and (self.person_id in s.informants or self.person_id in authors)

    # ------------------------------------------------------------ reviewing

    def may_read(self, ev: Evaluation) -> bool:
        s = ev.subject
        if self.may_edit(ev) or self.may_merge:
            return True
        if any(st.reviewer == self.person_id for st in ev.states):
            return True
        return any(self._holds(st, s.department) for st in ev.states if not st.reviewer)

    def _holds(self, state: StageState, department: str) -> bool:
        role = self.config.roles.get(state.stage.role)
        return bool(self.person and role and self.person.may_sign(role, department))

    def decide_refusal(self, ev: Evaluation, stage: str) -> str:
        """'' when the person may sign `stage` of this item now, else why not (in Chinese)."""
        state = next((s for s in ev.states if s.stage.id == stage), None)
        if state is None:
            return f"“{stage}”不是该稿件审核链的环节"
        if state.reviewer and state.reviewer != self.person_id:
            return f"该稿件的“{stage}”由 {self._name(state.reviewer)} 审核，不是你"
        role = self.config.roles.get(state.stage.role)
        if self.person is None or role is None or not self.person.may_sign(role, ev.subject.department):
            return f"你在名册中不是可签署“{state.stage.title}”的人员"
        if self.person_id in ev.subject.excluded:
            return f"你是该稿件的{ev.subject.excluded[self.person_id]}，不能审核"
        if ev.rejected is not None:
            return f"该稿件已在“{ev.rejected.stage}”被退回，等待信息员修改后重新报送"
        if state.decision is not None:
            return f"“{stage}”已由 {self._name(state.decision.reviewer)} 签署"
        nxt = ev.next
        if nxt is None or nxt.stage.id != stage:
            return f"还没轮到“{stage}”：下一环节是“{nxt.stage.id}”" if nxt else "审核链已完成"
        return ""

    @property
    def may_merge(self) -> bool:
        return any(r in MERGERS for r in self.roles())

    @property
    def may_restore(self) -> bool:
        """值班读网: run the duty checks and restore the live site (rollback, republish)."""
        return any(r in MERGERS for r in self.roles())

    @property
    def may_read_reports(self) -> bool:
        """The 通报 (internal): the office, the administrator, the leaders and the heads of departments."""
        return any(r in REPORT_READERS for r in self.roles())

    @property
    def may_configure(self) -> bool:
        """Columns and roster forms, and the operations log: the site administrator and the office."""
        return any(r in ("admin", "office") for r in self.roles())

    @property
    def key_pending(self) -> bool:
        """待名册变更审核: the person's workbench key is not the one roster.yml on main holds (they sign nothing yet)."""
        from .people import key_pending

        return key_pending(self.person_id, self.config)

    def _name(self, pid: str) -> str:
        p = self.config.people.get(pid)
        return f"{p.name}" if p else pid

    def name(self, pid: str) -> str:
        return self._name(pid)
