"""After-commit signals: the write side says what happened, the read side listens.

A service queues a signal inside its write transaction (`queue`); `write_transaction`
(competition/database.py) sends the queued signals once the transaction has committed, in the
order they were queued, and drops them if it rolls back. So a listener never hears of a change
that did not happen, and never before it is visible to other connections.

The signals (blinker), with what they carry (the sender is the skill's id):

  mark_recorded       mark (the API's mark), dispute (the J cell's state when it moved, or None)
  lock_changed        payload (the `lock` event: sub-criterion, locked, by, at, reason)
  visibility_changed  before, after (the skill's visibility)
  scheme_changed      — (the skill's scheme, competitors, panel or policy changed)

Listeners: competition/standings (live standings and their broadcasts), competition/board
(the hall's screens). Judging sends; it calls nobody.
"""

from __future__ import annotations

import logging

from blinker import Namespace

log = logging.getLogger(__name__)

_signals = Namespace()
mark_recorded = _signals.signal("mark-recorded")
lock_changed = _signals.signal("lock-changed")
visibility_changed = _signals.signal("visibility-changed")
scheme_changed = _signals.signal("scheme-changed")

OPEN = "competition.write_transaction"  # session.info: inside write_transaction()
_QUEUE = "competition.signals"


def queue(session, signal, sender: int, **data) -> None:
    """Send `signal` once `session`'s write transaction has committed."""
    if not session.info.get(OPEN):
        raise RuntimeError("signals are queued inside competition.database.write_transaction()")
    session.info.setdefault(_QUEUE, []).append((signal, sender, data))


def send_queued(session) -> None:
    """After the commit: send what the transaction queued. A failing listener is logged; the
    change is committed whatever it does, and the others still hear of it."""
    pending = session.info.pop(_QUEUE, [])
    for signal, sender, data in pending:
        for receiver in signal.receivers_for(sender):
            try:
                receiver(sender, **data)
            except Exception:
                log.exception("a listener of %s failed for %s", signal.name, sender)


def drop_queued(session) -> None:
    """After a rollback: nothing happened, nothing is sent."""
    session.info.pop(_QUEUE, None)
