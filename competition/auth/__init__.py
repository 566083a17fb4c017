"""Login, roles, API tokens."""

# The blueprint, and the modules whose routes attach to it (imported to register them).
from . import views  # noqa: F401
from .blueprint import bp  # noqa: F401
