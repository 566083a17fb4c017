"""Accounts of the people who use the system, and their badges (organizers and admins).

Who may open these pages is decided here; which accounts an organizer may change (not admin or
organizer accounts) is decided in the service.
"""

# The blueprint, and the modules whose routes attach to it (imported to register them).
from . import views  # noqa: F401
from .blueprint import bp  # noqa: F401
