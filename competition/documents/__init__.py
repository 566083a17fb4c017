"""Documents: certificates (WeasyPrint, printed in batches by a worker process), their public
verification, awards, result sheets, marking forms and exports.

Three blueprints, each guarding its own routes:
- `bp` ("documents"): certificates, batches, templates, settings, `/verify/<code>`;
- `sheets_bp` ("sheets"): result sheets, medal table, marking forms, CSV/XLSX exports;
- `awards_bp` ("awards"): nominations and their recipients, and the public awards page;
- on judging's blueprint (signed_views.py): the signed marking forms and the final protocol of
  the chief's page.
"""

# The blueprint, and the modules whose routes attach to it (imported to register them).
from . import awards_views, public_views, sheet_views, signed_views, views  # noqa: F401
from .blueprint import awards_bp, bp, sheets_bp  # noqa: F401
