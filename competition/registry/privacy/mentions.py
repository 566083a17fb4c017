"""What an erasure clears besides the person's own rows (docs/people.md, "Erasure"): the places
where the person's name was typed as text.

- awards given to the person by name (an `Award` whose typed recipient is one of the person's
  names, in any language): the recipient becomes the label, and the award's certificates are
  withdrawn with the person's own;
- the competitor's appeals: the text (the person's own statement) is replaced by "[erased]",
  the commission's decision reason keeps its words but not the person's names;
- the competitor's penalties and disqualifications: their reasons keep their words but not the
  person's names;
- audit entries of the championship (appeals, penalties, awards, imports…) that name the
  person: the names in their summary and values are replaced by "[erased]";
- certificate batches (the printed PDF or ZIP files) that may hold the person's certificate:
  the file is deleted and the batch says why (print it again).

Mark revisions' reasons are kept: they are append-only, the tamper-evident history of marks
(docs/people.md says why).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ...models import Appeal, AuditEntry, Award, DocumentBatch, Sanction
from ...names import short_names

ERASED = "[erased]"
BATCH_ERROR = "withdrawn: a person's personal data was erased; print the batch again"
RECIPIENT = ("recipient_ru", "recipient_kk", "recipient_en")


def _same(text: str) -> str:
    return " ".join((text or "").replace(",", " ").split()).casefold()


class Mentions:
    """The ways a person's names are written: the full names, their "Surname N." forms, and
    each word of three letters or more (a text about the person names them by surname too)."""

    def __init__(self, names: list[dict[str, str]]):
        typed: set[str] = set()
        for person in names:
            typed |= {" ".join(text.split()) for text in person.values() if text.strip()}
        phrases = typed | {text for person in names for text in short_names(person).values()
                           if text}
        words = {word.strip(".,") for phrase in phrases
                 for word in phrase.replace(",", " ").split()}
        words = {word for word in words if sum(ch.isalpha() for ch in word) >= 3}
        self.typed = {phrase for phrase in typed if " " in phrase}  # to look for in the audit
        self.full = {_same(phrase) for phrase in phrases if " " in phrase}
        alternatives = sorted(phrases | words, key=len, reverse=True)
        self.pattern = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(a) for a in alternatives) + r")(?!\w)",
            re.IGNORECASE) if alternatives else None

    def scrub(self, text):
        """`text` with the person's names replaced; any other value as it is (recursively)."""
        if isinstance(text, str):
            return self.pattern.sub(ERASED, text) if self.pattern and text else text
        if isinstance(text, dict):
            return {key: self.scrub(value) for key, value in text.items()}
        if isinstance(text, list):
            return [self.scrub(value) for value in text]
        return text

    def names(self, text: str) -> bool:
        return bool(self.pattern and text and self.pattern.search(text))


def awards_of(session, championship_id: int, mentions: Mentions,
              label: dict[str, str]) -> list[int]:
    """Awards given to the person by name get the label as recipient; their ids (whose
    certificates the erasure withdraws)."""
    found = []
    for award in session.execute(sa.select(Award).where(
            Award.championship_id == championship_id,
            Award.recipient_kind == "person")).scalars():
        if any(_same(getattr(award, field)) in mentions.full for field in RECIPIENT):
            for field in RECIPIENT:
                setattr(award, field, label[field.removeprefix("recipient_")])
            found.append(award.id)
    return found


def appeals_and_sanctions(session, competitor_id: int, mentions: Mentions) -> dict[str, list]:
    """The competitor's appeals (text erased, names out of the decision reason) and sanctions
    (names out of the reasons): their ids by audit entity."""
    appeals = session.execute(sa.select(Appeal).where(
        Appeal.competitor_id == competitor_id)).scalars().all()
    for appeal in appeals:
        appeal.text = ERASED
        appeal.decision_reason = mentions.scrub(appeal.decision_reason)
    sanctions = session.execute(sa.select(Sanction).where(
        Sanction.competitor_id == competitor_id)).scalars().all()
    for sanction in sanctions:
        sanction.reason = mentions.scrub(sanction.reason)
        sanction.withdrawn_reason = mentions.scrub(sanction.withdrawn_reason)
    return {"appeal": [a.id for a in appeals], "sanction": [s.id for s in sanctions]}


def audit_mentions(session, championship_id: int, mentions: Mentions,
                   entities: dict[str, list[int]]) -> int:
    """The championship's audit entries naming the person (by full name anywhere, or any of
    the person's names in the entries of their appeals, sanctions and awards): names replaced.
    The entries themselves stay — the audit log is the record of what was done, by whom, when.
    How many entries changed."""
    about = [sa.and_(AuditEntry.entity == entity, AuditEntry.entity_id.in_(ids))
             for entity, ids in entities.items() if ids]
    typed = [AuditEntry.summary.ilike(f"%{phrase}%") for phrase in mentions.typed]
    typed += [sa.cast(AuditEntry.changes, sa.Text).contains(form, autoescape=True)
              for phrase in mentions.typed
              for form in {phrase, json.dumps(phrase)[1:-1]}]  # as stored: \u escapes
    if not about and not typed:
        return 0
    changed = 0
    query = sa.select(AuditEntry).where(AuditEntry.championship_id == championship_id,
                                        sa.or_(*about, *typed))
    for entry in session.execute(query).scalars():
        summary, changes = mentions.scrub(entry.summary), mentions.scrub(entry.changes or {})
        if (summary, changes) != (entry.summary, entry.changes):
            entry.summary, entry.changes = summary, changes
            changed += 1
    return changed


def withdraw_batches(session, championship_id: int, skill_ids: list[int]) -> list[Path]:
    """The printed batches that may hold the person's certificate (the championship's, or of
    the person's skills) are withdrawn; the files to delete after the commit (where
    documents/worker.py keeps them)."""
    files = []
    for batch in session.execute(sa.select(DocumentBatch).where(
            DocumentBatch.championship_id == championship_id, DocumentBatch.status == "done",
            sa.or_(DocumentBatch.skill_id.is_(None),
                   DocumentBatch.skill_id.in_(skill_ids)))).scalars():
        batch.status, batch.error = "failed", BATCH_ERROR
        files.append(Path(current_app.instance_path) / "documents"
                     / f"batch-{batch.id}.{batch.output}")
    return files


def delete_files(files: list[Path]) -> None:
    for path in files:
        path.unlink(missing_ok=True)


def clear(session, championship_id: int, names: list[dict[str, str]], label: dict[str, str], *,
          skill_ids: list[int], competitor_id: int | None = None) -> tuple[list[int], list[Path]]:
    """Everything above for a person with these `names` (before they change to `label`): the
    ids of the awards given to them by name, and the batch files to delete after the commit."""
    mentions = Mentions(names)
    awards = awards_of(session, championship_id, mentions, label)
    entities = {"award": awards}
    if competitor_id is not None:
        entities |= appeals_and_sanctions(session, competitor_id, mentions)
    audit_mentions(session, championship_id, mentions, entities)
    return awards, withdraw_batches(session, championship_id, skill_ids)
