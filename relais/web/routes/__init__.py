"""The desk's routes, one ``APIRouter`` per concern; ``ROUTERS`` is what ``create_app`` includes, in order."""

from __future__ import annotations

from relais.web.routes import accounts, api_v1, editor, memory, queue, stats, stories, system, terms

ROUTERS = (system.router, accounts.router, queue.router, stories.router, editor.router, stats.router, memory.router,
           terms.router, api_v1.router)
