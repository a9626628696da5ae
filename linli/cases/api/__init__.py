"""The cases API at /api/v1/cases/ and /api/v1/work-orders/ (contract: docs/api.md).

Anyone may report (anonymous reports are rate-limited per address); reading and handling need a
session or a bearer token. A case the caller may not see answers 404, exactly like a missing one.

One module per subject, all on the two routers of ``common``. A route is matched in the order it
was added, so the modules are imported in this order: ``handling`` adds ``/{number}/{action}``,
which would shadow any ``/{number}/…`` route added after it. Each route names its operation id as
it was before the split into modules, so clients generated from the schema keep working.
"""

# isort: off
from linli.cases.api import reports  # noqa: F401
from linli.cases.api import work_orders  # noqa: F401
from linli.cases.api import mediation  # noqa: F401
from linli.cases.api import feedback  # noqa: F401
from linli.cases.api import handling  # noqa: F401

# isort: on
from linli.cases.api.common import router, work_orders_router

__all__ = ["router", "work_orders_router"]
