"""Certificates: who is due which one, issuing them (serial, verification code, revocation on
re-issue), and printing them from the organizer's sandboxed templates.

A certificate is due per *slot*: a competitor's (or team member's) result in a skill (gold,
silver, bronze or Medallion for Excellence), their participation, an expert's work in a skill,
an award's recipient. `issuing.issue()` compares what is due with what was issued: the same
details keep their document; changed details (a corrected mark moved a medal, a name was fixed)
revoke the old serial and issue a new one that replaces it; a slot no longer due is revoked.
Only skills whose results are published give skill certificates, and one that tells a result is
withheld from the public whenever its skill is not published (`verification.withheld`).

Printing renders many certificates per WeasyPrint document (about 10 ms a page, against 50–250
ms for a document per page) in chunks, so memory stays bounded; each page is then kept as the
person's own PDF (the participant downloads it) and the chunks make the batch's PDF or ZIP.

The package, by responsibility (callers import from the module that owns a name):

  kinds.py         the kinds of certificate, the groups an organizer picks, their labels
  due.py           what is due in a scope (`make_scope`, `Scope.due`)
  issuing.py       issuing, numbering, re-issuing and revoking (`issue`)
  verification.py  what the public may see of an issued one (`withheld`), its address
  templates.py     the organizers' sandboxed templates (`template_for`, `check_template`)
  pages.py         what one certificate page says (`page_context`), the printing settings
  printing.py      batch rendering in chunks and render processes (`print_chunks`)

A refusal is an errors.DomainError (Invalid or Conflict) whose message says what the organizer
must fix.
"""
