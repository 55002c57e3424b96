"""Dependencies of the routes: the Kapula service and (once signed in) the acting user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from engine.services import Kapula


def get_kapula(request: Request) -> Kapula:
    kapula: Kapula = request.app.state.kapula
    return kapula


KapulaDep = Annotated[Kapula, Depends(get_kapula)]
