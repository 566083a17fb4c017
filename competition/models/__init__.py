"""SQLAlchemy models, one module per aggregate."""

from .documents import Award, Document
from .event import Championship, Organization, Skill
from .marks import Mark, MarkRevision, SignOff
from .people import ApiToken, Competitor, CompetitorMember, Expert, ExpertRole, User
from .scheme import Aspect, Criterion, SubCriterion

__all__ = [
    "ApiToken", "Aspect", "Award", "Championship", "Competitor", "CompetitorMember",
    "Criterion", "Document", "Expert", "ExpertRole", "Mark", "MarkRevision", "Organization",
    "SignOff", "Skill", "SubCriterion", "User",
]
