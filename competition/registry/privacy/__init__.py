"""A person's personal data (docs/people.md, "Privacy"): everything stored about one competitor
or expert, exported as JSON and as a readable PDF (record.py), and its erasure after the event
(erasure.py); the organizer's pages for both (views.py)."""
