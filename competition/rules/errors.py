"""The one error the rules raise: the input breaks a rule of docs/rules.md, "The exported file"."""

from __future__ import annotations

import json


class RulesInputError(ValueError):
    """Invalid input. `message` names the offending entry, e.g.
    `marks[17]: aspect "A1.2" (judgement), competitor "101": needs a "judge"`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def within(self, where: str) -> RulesInputError:
        """The same error, prefixed with the place it was found (`criteria[0].aspects[1]`)."""
        return RulesInputError(f"{where}: {self.message}")


def quote(value: object) -> str:
    """A code or value as it would appear in JSON, on one line ("A1.2", 17, null)."""
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)
