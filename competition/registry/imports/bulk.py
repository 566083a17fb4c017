"""The people importers' writes in bulk (people.py, experts.py): rows built before the write
transaction (`Writes`), written inside it in a few statements — one INSERT (or UPDATE) per
table for the whole file instead of a flush per row, the INSERT's rows made ready for the
driver before the transaction too (statements.PreparedRows), so the write lock is held for the
database's own work. The skills' versions are bumped here, as the ORM's flush would have
(judging/versions.py), so that judging and the boards reload the names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from ...extensions import db
from ...judging.versions import bump
from ...models import Competitor, CompetitorMember, Expert, ExpertRole, Organization
from ...statements import PreparedRows
from ..people.service.competitors import member_rows, member_values
from .tabular import Row, RowsInvalid


@dataclass
class Writes:
    """What an import writes: rows to insert, rows to update (with their `id`)."""

    creates: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    skill_id: int | None = None
    members: list[list[dict]] = field(default_factory=list)  # each create's members, in order
    member_updates: list[dict] = field(default_factory=list)
    member_inserts: list[dict] = field(default_factory=list)
    member_deletes: list[int] = field(default_factory=list)
    organizations: dict[int, Row] = field(default_factory=dict)  # id -> first row naming it
    inserts: PreparedRows | None = None  # the creates, once ready()

    def ready(self, table) -> None:
        """Make the creates ready to insert into `table`: before the write transaction."""
        self.inserts = PreparedRows(table, self.creates, db.session.get_bind().dialect)

    def stage(self, driver_connection) -> None:
        """The creates staged on the write transaction's connection, before its lock
        (write_transaction's `before_lock`; SQLite only)."""
        if self.inserts is not None:
            self.inserts.stage(driver_connection)

    def member_changes(self, competitor: Competitor, members: list[dict]) -> None:
        """A stored team's members to become `members` (members_from()), in place as the
        form's save does: their ids stay (certificates refer to them)."""
        if [member_values(m) for m in competitor.members] == members:
            return
        current = list(competitor.members)
        for row in member_rows(members):
            position = row["position"]
            if position < len(current):
                self.member_updates.append({"id": current[position].id, **row})
            else:
                self.member_inserts.append({"competitor_id": competitor.id, **row})
        self.member_deletes.extend(member.id for member in current[len(members):])


@dataclass
class ExpertWrites(Writes):
    """An experts import's writes: the experts (`creates`, `updates`) and their roles, in the
    file's order — the roles to insert (with the expert's `code`, and `expert_id` when the
    expert is stored) and the roles whose `role` changes (by `id`)."""

    roles: list[dict] = field(default_factory=list)
    role_updates: list[dict] = field(default_factory=list)
    skills: set[int] = field(default_factory=set)  # of the roles updated


def write_organizations(writes: Writes) -> None:
    session = db.session
    if writes.creates:
        writes.inserts.run(session.connection())
    if writes.updates:
        session.execute(sa.update(Organization), writes.updates)
        # boards show the names of the organizations competitors come from
        bump(session, organizations=[row["id"] for row in writes.updates])


def write_competitors(writes: Writes) -> None:
    session = db.session
    _refuse_organizations_gone(writes.organizations)
    if writes.creates:
        # one executemany; RETURNING in the rows' order would cost SQLite a statement per row
        writes.inserts.run(session.connection())
        if any(writes.members):  # a team skill: the members follow their new teams' ids
            codes = [row["code"] for row in writes.creates]
            ids = dict(session.execute(sa.select(Competitor.code, Competitor.id).where(
                Competitor.skill_id == writes.skill_id, Competitor.code.in_(codes))).all())
            session.execute(sa.insert(CompetitorMember), [
                {"competitor_id": ids[code], **member}
                for code, members in zip(codes, writes.members, strict=True)
                for member in members])
    if writes.updates:
        session.execute(sa.update(Competitor), writes.updates)
    if writes.member_deletes:
        session.execute(sa.delete(CompetitorMember)
                        .where(CompetitorMember.id.in_(writes.member_deletes)))
    if writes.member_updates:
        session.execute(sa.update(CompetitorMember), writes.member_updates)
    if writes.member_inserts:
        session.execute(sa.insert(CompetitorMember), writes.member_inserts)
    if writes.creates or writes.updates or writes.member_deletes or writes.member_inserts:
        bump(session, skills=[writes.skill_id])


def write_experts(writes: ExpertWrites, championship_id: int) -> None:
    """The experts, then their roles: the changed roles first, in the file's order (a chief
    expert demoted before the one named after), then the new ones, which need the new experts'
    ids (read back by code)."""
    session = db.session
    _refuse_organizations_gone(writes.organizations)
    if writes.creates:
        writes.inserts.run(session.connection())
    if writes.updates:
        session.execute(sa.update(Expert), writes.updates)
    if writes.role_updates:
        session.execute(sa.update(ExpertRole), writes.role_updates)
    if writes.roles:
        new = [row["code"] for row in writes.roles if row["expert_id"] is None]
        ids = dict(session.execute(sa.select(Expert.code, Expert.id).where(
            Expert.championship_id == championship_id, Expert.code.in_(new))).all()) \
            if new else {}
        session.execute(sa.insert(ExpertRole), [
            {"expert_id": row["expert_id"] or ids[row["code"]], "skill_id": row["skill_id"],
             "role": row["role"]} for row in writes.roles])
    # what the flush of each row bumped: the skills of the roles given or changed, and every
    # skill of an expert whose details changed (boards and sheets show the experts' names)
    bump(session, skills=writes.skills | {row["skill_id"] for row in writes.roles},
         experts=[row["id"] for row in writes.updates])


def _refuse_organizations_gone(organizations: dict[int, Row]) -> None:
    """An organization the file's rows name, deleted since they were checked."""
    if not organizations:
        return
    present = set(db.session.scalars(sa.select(Organization.id).where(
        Organization.id.in_(list(organizations)))))
    gone = [row for organization_id, row in organizations.items()
            if organization_id not in present]
    if gone:
        raise RowsInvalid([row.error("organization", _(
            "This organization was deleted while the file was being imported."))
            for row in gone])
