"""Documents: certificates (WeasyPrint, printed in batches by a worker process), their public
verification, awards, result sheets, marking forms and exports.

Three blueprints, each guarding its own routes:
- `bp` ("documents"): certificates, batches, templates, settings, `/verify/<code>`;
- `sheets_bp` ("sheets"): result sheets, medal table, marking forms, CSV/XLSX exports;
- `awards_bp` ("awards"): nominations and their recipients, and the public awards page.
"""

from flask import Blueprint

bp = Blueprint("documents", __name__)
sheets_bp = Blueprint("sheets", __name__)
awards_bp = Blueprint("awards", __name__)

from . import awards_views, sheet_views, views  # noqa: E402,F401
