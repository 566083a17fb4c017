"""Organizers: championship, skills, schemes, organizations, competitors, experts, imports.

All pages live under /manage and are for organizers and admins; the few a chief expert may
open are listed here too. Access is decided here and nowhere else (see auth.access).
"""

# The blueprint, and the modules whose routes attach to it (imported to register them).
from . import appeals, views  # noqa: F401
from .blueprint import bp  # noqa: F401
from .imports import views as import_views  # noqa: F401
from .people import eligibility_views, participants  # noqa: F401
from .people import views as people_views  # noqa: F401
from .privacy import views as privacy_views  # noqa: F401
from .scheme import views as scheme_views  # noqa: F401
