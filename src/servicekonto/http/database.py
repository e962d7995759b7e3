"""The request's database session: one per request, closed after the response.

Handlers commit explicitly, once, before they answer: FastAPI runs a yield dependency's exit
after the response is sent, so a commit there would come after the browser already followed the
303 (DESIGN §6 convention 10: services never commit, the handler's unit of work does).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from servicekonto.http.context import Context


async def db_session(context: Context) -> AsyncIterator[Session]:
    """Opening a session touches no database and closing one only returns a connection to the
    pool, so this runs on the event loop: a sync dependency would cost two thread-pool hops per
    request (enter, exit), a third of the work of a token request."""
    db = context.sessions()
    try:
        yield db
    finally:
        db.close()


DbSession = Annotated[Session, Depends(db_session)]
