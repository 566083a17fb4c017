"""Helpers of the hostile-input tests: the payloads, a form posted back as a browser would, and a
fingerprint of the whole database to prove that a refused request changed nothing."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser

import sqlalchemy as sa

EN = {"Accept-Language": "en"}

# Names an attacker (or an unlucky copy-paste) could type. Each must be stored as typed (in
# Unicode's composed form, NFC) and shown as text, never as markup, a template expression or SQL.
# (Bidi embeddings, overrides and isolates are refused: tests/security/test_bidi_names.py.)
PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "attribute": "\"><img src=x onerror=alert(1)>",
    "markup": "<b>bold</b></script><!--",
    "template": "{{7*7}} {% raw %}",
    "url": "javascript:alert(1)",
    "sql": "'; DROP TABLE competitor; --",
    "rtl": "\u200fevil\u200e Name \u061c",  # the direction marks RLM, LRM, ALM
    "zero_width": "Zero\u200bWidth\u200dJoiner\ufeff",
    "emoji": "👩🏽‍🔧 Welder 👍🏿",
    "combining": "Zoe\u0308 A\u030a n\u0303",
    "kazakh": "Әйгерім Ғалымжанқызы Құрманұлы ҮөҺі",
    "formula": "=HYPERLINK(\"http://x\",\"y\")",
}
# What must never reach a page unescaped (the payloads' active parts)
ACTIVE = ("<script>alert(1)", "<img src=x onerror", "<b>bold</b>", "</script><!--")


def fingerprint(app) -> dict[str, str]:
    """table -> a digest of its rows (in primary-key order): equal before and after means the
    request wrote nothing."""
    digests = {}
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        metadata = app.extensions["sqlalchemy"].metadata
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                digest = hashlib.sha256()
                for row in connection.execute(sa.select(table).order_by(*order)):
                    digest.update(repr(tuple(row)).encode())
                digests[table.name] = digest.hexdigest()
    return digests


def dispose(app) -> None:
    with app.app_context():
        app.extensions["sqlalchemy"].session.remove()
        app.extensions["sqlalchemy"].engine.dispose()


class _FormReader(HTMLParser):
    """Every form of a page: its action and the fields a browser would send."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self.fields: list[tuple[str, str]] | None = None
        self.select: str | None = None
        self.selected: str | None = None
        self.first_option: str | None = None
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.fields = []
            self.forms.append((attrs.get("action") or "", self.fields))
            return
        if self.fields is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind in ("submit", "file", "button", "image", "reset"):
                return
            default = "y" if kind == "checkbox" else ""
            self.fields.append((name, attrs.get("value") or default))
        elif tag == "select" and name:
            self.select, self.selected, self.first_option = name, None, None
        elif tag == "option" and self.select:
            value = attrs.get("value", "")
            if self.first_option is None:
                self.first_option = value
            if "selected" in attrs:
                self.selected = value
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""

    def handle_data(self, data):
        if self.textarea:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.fields = None
        elif tag == "select" and self.select and self.fields is not None:
            chosen = self.selected if self.selected is not None else self.first_option
            if chosen is not None:
                self.fields.append((self.select, chosen))
            self.select = None
        elif tag == "textarea" and self.textarea and self.fields is not None:
            self.fields.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None


def find_form(html: str, action: str | None = None,
              page: str = "") -> dict[str, str] | None:
    """The fields of the form posting to `action` (default: the page's biggest form), or None
    if the page has no such form; a form without an action posts to its `page`."""
    reader = _FormReader()
    reader.feed(html)
    forms = [fields for target, fields in reader.forms
             if action is None or (target or page).split("?")[0] == action.split("?")[0]]
    if not forms:
        return None
    chosen: dict[str, str] = {}
    for name, value in max(forms, key=len):
        chosen.setdefault(name, value)
    return chosen


def form_fields(html: str, action: str | None = None) -> dict[str, str]:
    """The fields of the form posting to `action` (default: the page's biggest form)."""
    fields = find_form(html, action)
    assert fields is not None, f"no form posting to {action}"
    return fields


def resubmit(client, url: str, changes: dict[str, str], action: str | None = None):
    """Open the form page at `url`, change some fields, post it back (as the browser would)."""
    page = client.get(url, headers=EN)
    assert page.status_code == 200, (url, page.status_code)
    fields = form_fields(page.get_data(as_text=True), action)
    assert any(k.endswith("csrf_token") for k in fields), f"no form with a CSRF token at {url}"
    fields.update(changes)
    return client.post(action or url, data=fields, headers=EN)


def csrf_of(client, url: str) -> str:
    page = client.get(url, headers=EN).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
