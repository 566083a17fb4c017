"""The audit log of organizer actions: who changed what, when. For administrators only."""

# The blueprint, and the modules whose routes attach to it (imported to register them).
from . import views  # noqa: F401
from .blueprint import bp  # noqa: F401
