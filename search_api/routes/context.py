"""What every route needs: the Filewarden of the running app."""

from __future__ import annotations

from fastapi import Request

from search_api.service import Filewarden


def filewarden_of(request: Request) -> Filewarden:
    """The installation the app was started for (set up in its lifespan)."""
    return request.app.state.filewarden  # type: ignore[no-any-return]
