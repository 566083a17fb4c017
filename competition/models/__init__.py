"""SQLAlchemy models, one module per aggregate."""

from .audit import AuditEntry, LoginAttempt, LoginCode, WorkstationDraw
from .documents import (
    Award,
    Document,
    DocumentAsset,
    DocumentBatch,
    DocumentSettings,
    DocumentTemplate,
)
from .event import Championship, Organization, Skill
from .imports import ImportJob
from .marks import Mark, MarkRevision, SignOff
from .panels import MarkingForm, PanelSeat, PanelSubstitute
from .people import ApiToken, Competitor, CompetitorMember, Expert, ExpertRole, User
from .results import Appeal, Sanction
from .scheme import Aspect, Criterion, SubCriterion
from .screens import Screen

__all__ = [
    "ApiToken", "Appeal", "Aspect", "AuditEntry", "Award", "Championship", "Competitor",
    "CompetitorMember",
    "Criterion", "Document", "DocumentAsset", "DocumentBatch", "DocumentSettings",
    "DocumentTemplate", "Expert", "ExpertRole", "ImportJob", "LoginAttempt", "LoginCode", "Mark",
    "MarkingForm",
    "MarkRevision", "Organization", "PanelSeat", "PanelSubstitute", "Screen", "WorkstationDraw",
    "Sanction", "SignOff", "Skill", "SubCriterion", "User",
]
