"""The kinds of certificate and the groups an organizer picks for a batch (their labels are
competition/vocabulary.py's DocumentKind and CertificateGroup)."""

from __future__ import annotations

MEDAL_KINDS = ("gold", "silver", "bronze", "medallion")
# What an organizer picks for a batch; each group is a set of kinds.
GROUPS = {
    "medals": MEDAL_KINDS,
    "participation": ("participation",),
    "expert": ("expert",),
    "award": ("award",),
}
LANGUAGE_SETS = ("kk+ru", "kk+ru+en", "kk", "ru", "en")

