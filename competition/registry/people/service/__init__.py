"""Use cases of the people pages, one module per aggregate:

* `championships` — a championship's settings and its skills (and the skills' overview);
* `organizations`, `competitors`, `experts` — the people registered, experts with their roles;
* `compatriots` — which experts share an organization with a competitor of their skill;
* `draw` — the workstation draw;
* `common` — the name fields, text cleaning, search and paging they share.

Import from the module that owns a function; this package re-exports nothing.

Two layers, so that the Excel/CSV import can reuse the rules of a single row:

* `organizations.organization_values(data)` and `competitors.competitor_values(data, status)`
  (with `competitors.member_rows` for a team's members) turn the `form.data` of the matching
  form in `..forms` (OrganizationForm, CompetitorForm) into the columns stored, the same for the
  page's save and an import row; the import writes them in bulk (registry/imports/bulk.py).
  `competitor_values` refuses a status that may not be set so, and an unknown organization
  code, with `competition.errors.Invalid`.

  `experts.expert_values(data)` does the same for an expert (the data of the expert form or
  of ExpertRoleRowForm); the import of experts writes them, and the experts' roles, in bulk
  too. What the save checks inside its transaction (a code taken by another expert, one chief
  expert per skill) the import checks for the whole file (registry/imports/stale.py).

* `save_*`, `delete_*`, `draw_workstations` … are the organizer pages' use cases: each runs in
  its own write transaction and records an audit entry (competition.audit.record). Input that
  breaks a rule raises `Invalid` (with its `.field`); what the state of things forbids (a
  delete once marks exist, a draw once marking has started) raises `competition.errors.Conflict`
  whose message says why; a row gone meanwhile raises `competition.errors.NotFound`.

Finer access rules (a chief expert sees the compatriots of their own skills only) are checked
here and raise `competition.errors.Forbidden`.
"""
