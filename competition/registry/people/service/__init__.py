"""Use cases of the people pages, one module per aggregate:

* `championships` — a championship's settings and its skills (and the skills' overview);
* `organizations`, `competitors`, `experts` — the people registered, experts with their roles;
* `compatriots` — which experts share an organization with a competitor of their skill;
* `draw` — the workstation draw;
* `common` — the name fields, text cleaning, search and paging they share.

Import from the module that owns a function; this package re-exports nothing.

Two layers, so that the Excel/CSV import can reuse the rules of a single row:

* `organizations.apply_organization(data, existing)`,
  `competitors.apply_competitor(skill, data, existing)` and
  `experts.apply_expert_role(championship, data, existing_expert)` create or update ONE thing
  from the `form.data` of the matching form in `..forms` (OrganizationForm, CompetitorForm,
  ExpertRoleRowForm). They expect to run INSIDE the caller's `write_transaction()`; they open
  no transaction, write no audit entry and never commit. `existing` is the object the caller
  found by code (None to create). They check what a form cannot: that a code is not taken by
  another organization / competitor of the skill / expert of the championship, that an
  organization code exists, that a skill has one chief expert. A broken rule raises
  `competition.errors.Invalid` (`.field` is the form field / import column, `.message` the
  text for people); the caller decides what to do (the import reports the row and rolls
  everything back). They return the object, added to the session (flushed, so it has an id).

  `apply_expert_role` handles one (expert, skill, role) row: it creates the expert when
  `existing_expert` is None, otherwise updates the names given (an empty name cell keeps the
  name) and the organization (an empty cell means none), then sets the expert's role in that
  skill.

* `save_*`, `delete_*`, `draw_workstations` … are the organizer pages' use cases: each runs in
  its own write transaction and records an audit entry (competition.audit.record). Input that
  breaks a rule raises `Invalid` (with its `.field`); what the state of things forbids (a
  delete once marks exist, a draw once marking has started) raises `competition.errors.Conflict`
  whose message says why; a row gone meanwhile raises `competition.errors.NotFound`.

Finer access rules (a chief expert sees the compatriots of their own skills only) are checked
here and raise `competition.errors.Forbidden`.
"""
