"""`competition simulate`: demo judges enter marks into a running server, as tablets do.

So that a newcomer sees boards move: one Socket.IO connection per judge (authenticated by an API
token, `io({auth: {token}})`), `mark:submit` at a given total rate, following the rules the
server enforces (docs/rules.md, docs/api.md "Judging"):

- a measurement (M) aspect gets one mark from its allowed values, entered by a panel expert who
  is not a compatriot of the competitor;
- a judgement (J) aspect gets `judges_per_aspect` scores from the first non-compatriot experts of
  the panel (experts first, then the deputy, the independent expert, the chief expert), within 1
  of each other; where the chief seated a fixed judgement panel on the aspect, only from its
  members (or the substitute named for the competitor), as the server requires;
- about one J cell in thirty gets scores 2 apart: a dispute, which the judge with the odd score
  re-marks a few seconds later (a correction: `base` = the mark's revision, with a reason).

Cells already marked are left alone (a second run resumes), and so are signed-off
sub-criteria and withdrawn competitors; a dispute found open is settled. The credentials are
made in the database the command is configured for (the server's): an account for each panel
expert who has none (`sim-CHAMPIONSHIP-CODE`, no password) and one API token per judge, revoked
when the run ends.

The marks are real marks in that database: this is for the demo and for trying the product,
never for a real championship.

  credentials.py   the skills asked for, the judges' accounts and API tokens (in the database)
  plan.py          which judge marks what, with which value
  server.py        the running server over HTTP and one Socket.IO client per judge
  pacing.py        the schedule the marks go by, and the rate the server took them at
  driver.py        the run: marks sent by that schedule, acknowledgements, re-marks, the summary
"""

from __future__ import annotations

from ..errors import Invalid


class SimulationError(Invalid):
    """Why the simulation cannot go on; one line for the user (English, untranslated: a failure
    of the `simulate` command only, which the command line shows)."""

    default_code = "simulation_failed"
