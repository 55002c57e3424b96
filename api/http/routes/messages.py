"""Messages: send one to a case that waits for it."""

from __future__ import annotations

from fastapi import APIRouter

from api.http.deps import CallerDep, KapulaDep
from api.http.schemas import CasePublic, ErrorPublic, MessageCreate, Responses

router = APIRouter(prefix="/api/messages", tags=["messages"])
_ERRORS: Responses = {
    403: {"model": ErrorPublic},
    404: {"model": ErrorPublic},
    409: {"model": ErrorPublic},
    422: {"model": ErrorPublic},
}


@router.post("", response_model=CasePublic, responses=_ERRORS)
def send_message(kapula: KapulaDep, caller: CallerDep, body: MessageCreate) -> CasePublic:
    """Send a message to the case that waits for it (a message catch event, receive task, boundary
    event or a branch of an event-based gateway); the case runs on until it waits again, and what it
    throws in turn goes to the cases of the other pools. 404: no such case (or none with those
    correlation values); 409: the case does not wait for this message now (the message names the
    element that receives it and what the case waits for); 422: a name the case's process never
    receives, data over the limits, or any data from a customer (the receiving element has no form,
    so it takes a customer's data as a completion of a step without a form would: none); 403: not the process's owner nor an advisor of the
    receiving element's lane."""
    return CasePublic.of(
        kapula.send_message(body.name, case_id=body.case_id, correlation=body.correlation, data=body.data, caller=caller)
    )
