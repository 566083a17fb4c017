"""The scoring rules (docs/rules.md): pure functions over plain data.

Nothing here imports Flask, SQLAlchemy or the rest of `competition`. The server calls
`evaluate_skill` for live standings, or keeps a `SkillStandings` updated mark by mark (the
same results, without reading every mark again); `competition evaluate` calls `parse_skill`,
`evaluate` and `results_to_json` on exported files.
"""

from .aspects import judgement_mark, judgement_state
from .errors import RulesInputError
from .evaluate import (
    championship_results,
    evaluate,
    evaluate_skill,
    results_to_json,
    score_text,
    skill_result_to_json,
)
from .incremental import SkillStandings
from .model import (
    RESULTS_FORMAT,
    SKILL_FORMAT,
    Aspect,
    AspectState,
    BestOfEntry,
    BestOfRow,
    Competitor,
    CompetitorResult,
    Criterion,
    Dispute,
    GroupResult,
    Mark,
    MedalMinField,
    MedalRow,
    Policy,
    Results,
    SkillInput,
    SkillResult,
)
from .parse import loads, parse_policy, parse_skill

__all__ = [
    "RESULTS_FORMAT", "SKILL_FORMAT", "Aspect", "AspectState", "BestOfEntry", "BestOfRow",
    "Competitor", "CompetitorResult", "Criterion", "Dispute", "GroupResult", "Mark",
    "MedalMinField", "MedalRow", "Policy", "Results", "RulesInputError", "SkillInput",
    "SkillResult", "SkillStandings", "championship_results", "evaluate", "evaluate_skill",
    "judgement_mark", "judgement_state", "loads", "parse_policy", "parse_skill",
    "results_to_json", "score_text", "skill_result_to_json",
]
