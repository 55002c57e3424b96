"""The baseline for a request's server cost: a bare FastAPI app under the same uvicorn settings as
`kapula serve`, with one POST route that takes a JSON body like a completion's and answers a JSON
object like a case view. No database, no authentication, no rules (bench/load.py --bare)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Completion(BaseModel):
    data: dict[str, Any] = {}


@app.post("/api/tasks/{task_id}/complete")
def complete(task_id: str, body: Completion) -> dict[str, Any]:
    return {
        "id": 1,
        "process_key": "Handoff_demo",
        "version": 1,
        "status": "running",
        "data": body.data,
        "ready_tasks": [
            {
                "id": task_id,
                "element_id": "Task_prepare",
                "name": "Valmistele",
                "lane": "SEK",
                "state": "READY",
                "claimed_by": None,
            }
        ],
    }
