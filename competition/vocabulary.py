"""The product's word lists, each defined once with its translated labels.

The stored keys live with the models (competition/models: EXPERT_ROLES, ABILYMPICS_CATEGORIES
…); the words people read for them live here, so a page, a sheet and a certificate name a
chief expert or a category the same way in every language.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

EXPERT_ROLE_LABELS = {
    "chief": _l("Chief expert"),
    "deputy": _l("Deputy chief expert"),
    "expert": _l("Expert"),
    "independent": _l("Independent expert"),
}
CATEGORY_LABELS = {
    "schoolchildren": _l("Schoolchildren"),
    "students": _l("Students"),
    "specialists": _l("Specialists"),
}
