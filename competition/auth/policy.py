"""Who may do what: every state-changing route (every POST of the URL map), one line each.

The words are the people the authorization rules tell apart. "The skill" is the one the request
names (in its URL, form or JSON); "the competitor" the one a mark is for:

- anonymous: not logged in;
- competitor: a competitor's account;
- expert of the skill: on the skill's panel;
- compatriot expert: an expert of the skill from the competitor's organization (docs/security.md);
- chief of the skill: its chief expert, or its deputy chief expert (who acts for them);
- expert of another skill, chief of another skill: on another skill's panel, not on this one;
- organizer, admin.

Who passes the door is decided per blueprint by `access.guard` (by the account's role: a
chief's account has the role chief, a deputy's the role expert); the finer rules (this skill
only, not a compatriot, not an admin's account) by the services named in the comments. The
guards' roles for these routes are the projection of this table onto account roles
(`account_roles`); tests/security/test_post_crawl.py checks that they agree, and posts to every
route as each of these people, against this table.
"""

from __future__ import annotations

from collections.abc import Iterable

ANONYMOUS = "anonymous"
COMPETITOR = "competitor"
EXPERT = "expert of the skill"
COMPATRIOT = "compatriot expert"
CHIEF = "chief of the skill"
OTHER_EXPERT = "expert of another skill"
OTHER_CHIEF = "chief of another skill"
ORGANIZER = "organizer"
ADMIN = "admin"

PEOPLE = (ANONYMOUS, COMPETITOR, EXPERT, COMPATRIOT, CHIEF, OTHER_EXPERT, OTHER_CHIEF, ORGANIZER,
          ADMIN)
EVERYONE = frozenset(PEOPLE)
STAFF = frozenset({ORGANIZER, ADMIN})

# The roles of the accounts (access.ROLES) each of them logs in with.
ACCOUNT_ROLES: dict[str, frozenset[str]] = {
    ANONYMOUS: frozenset({"anonymous"}),
    COMPETITOR: frozenset({"competitor"}),
    EXPERT: frozenset({"expert"}),
    COMPATRIOT: frozenset({"expert"}),
    CHIEF: frozenset({"chief", "expert"}),  # a deputy chief expert has an expert's account
    OTHER_EXPERT: frozenset({"expert"}),
    OTHER_CHIEF: frozenset({"chief"}),
    ORGANIZER: frozenset({"organizer"}),
    ADMIN: frozenset({"admin"}),
}

# endpoint -> who may post there
POST: dict[str, frozenset[str]] = {
    # logging in and out: anyone (the credentials decide, not who one is)
    "auth.login": EVERYONE,
    "auth.login_pin": EVERYONE,
    "auth.login_code": EVERYONE,
    "auth.logout": EVERYONE,
    # marks: the panel of the skill, each in their marking team's criteria, never of a
    # compatriot; the deputy and the chief mark too (judging.service.record_mark)
    "api.submit_mark": frozenset({EXPERT, CHIEF}),
    # sign-off and unlock of a sub-criterion: who leads the skill (judging.signoff.may_lead)
    "judging.chief_sign_off": frozenset({CHIEF}) | STAFF,
    "judging.chief_unlock": frozenset({CHIEF}) | STAFF,
    # the skill's final protocol, kept as a signed document: who leads the skill
    # (documents/signed_views.py, signoff.check_may_lead)
    "judging.chief_protocol": frozenset({CHIEF}) | STAFF,
    # penalties and disqualification, each with a reason, and withdrawing one: who leads the
    # skill (judging.sanctions, signoff.may_lead)
    "judging.sanction_penalty": frozenset({CHIEF}) | STAFF,
    "judging.sanction_disqualify": frozenset({CHIEF}) | STAFF,
    "judging.sanction_withdraw": frozenset({CHIEF}) | STAFF,
    # fixed judgement panels and substitutes for compatriots: who leads the skill
    # (judging.panels, signoff.check_may_lead)
    "judging.chief_panel_assign": frozenset({CHIEF}) | STAFF,
    "judging.chief_panel_clear": frozenset({CHIEF}) | STAFF,
    "judging.chief_panel_substitute": frozenset({CHIEF}) | STAFF,
    "judging.chief_panel_substitute_remove": frozenset({CHIEF}) | STAFF,
    # appeals (docs/appeals.md): a competitor for their own results (judging.appeals.lodge),
    # the appeal commission (organizers, admins) on paper; the commission decides
    "api.appeals_of_skill": frozenset({COMPETITOR}) | STAFF,
    "api.appeal_decision": STAFF,
    "board.participant_appeal": frozenset({COMPETITOR}),
    "registry.appeals_page": STAFF,
    "registry.appeal": STAFF,
    # what the public sees (publishing waits for final results: board.service.set_visibility),
    # and the hall's screens
    "board.skill_visibility": STAFF,
    "board.skills_visibility": STAFF,
    "api.skill_visibility": STAFF,
    "board.screen_new": STAFF,
    "board.screen_rename": STAFF,
    "board.screen_delete": STAFF,
    "board.screen_show": STAFF,
    "board.screen_ceremony": STAFF,
    "board.screen_step": STAFF,
    # accounts: an organizer changes no admin's or organizer's account, an admin any
    # (registry.accounts.service._require_may_manage)
    "accounts.account_new": STAFF,
    "accounts.account_edit": STAFF,
    "accounts.account_password": STAFF,
    "accounts.account_pin": STAFF,
    "accounts.account_pin_remove": STAFF,
    "accounts.account_disable": STAFF,
    "accounts.account_enable": STAFF,
    "accounts.account_code": STAFF,
    "accounts.account_codes_revoke": STAFF,
    "accounts.account_token_revoke": STAFF,
    "accounts.badges": STAFF,  # prints badges with new login codes
    # the championship, its skills, organizations, people, the draw
    "registry.championship_new": STAFF,
    "registry.championship_edit": STAFF,
    "registry.skill_new": STAFF,
    "registry.skill_edit": STAFF,
    "registry.skill_delete": STAFF,
    "registry.organization_new": STAFF,
    "registry.organization_edit": STAFF,
    "registry.organization_delete": STAFF,
    "registry.competitor_new": STAFF,
    "registry.competitor_edit": STAFF,
    "registry.competitor_delete": STAFF,
    "registry.competitor_results_code": STAFF,
    "registry.eligibility_exception": STAFF,  # accept or clear, with a reason (docs/people.md)
    "registry.expert_new": STAFF,
    "registry.expert_edit": STAFF,
    "registry.expert_delete": STAFF,
    "registry.personal_data_erase": STAFF,  # after the results are final (registry/privacy)
    "registry.draw": STAFF,
    # the marking scheme
    "registry.scheme_criterion_new": STAFF,
    "registry.scheme_criterion_edit": STAFF,
    "registry.scheme_sub_criterion_new": STAFF,
    "registry.scheme_sub_criterion_edit": STAFF,
    "registry.scheme_aspect_new": STAFF,
    "registry.scheme_aspect_edit": STAFF,
    "registry.scheme_delete": STAFF,
    "registry.scheme_move": STAFF,
    "registry.scheme_maxima": STAFF,
    # imports
    "registry.import_upload": STAFF,
    "registry.import_confirm": STAFF,
    "registry.import_cancel": STAFF,
    # certificates and awards
    "documents.certificates": STAFF,
    "documents.template_edit": STAFF,
    "documents.settings": STAFF,
    "awards.nomination_new": STAFF,
    "awards.nomination_edit": STAFF,
    "awards.nomination_delete": STAFF,
    "awards.nomination_move": STAFF,
    "awards.recipients_add": STAFF,
    "awards.recipient_remove": STAFF,
    "awards.recipient_move": STAFF,
}


def account_roles(people: Iterable[str]) -> frozenset[str]:
    """The account roles of `people`: what a guard lets through for them."""
    return frozenset().union(*(ACCOUNT_ROLES[who] for who in people))
