"""Hostile form data against the real app: wrong types, huge sizes and unicode edge cases posted to
start cases and complete tasks end in a 2xx or a 4xx with the JSON error shape, never a 5xx, and
no other case changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.http.app import create_app
from engine.bundles import model_bundle
from tests.conftest import read

LU_MODEL = Path(__file__).resolve().parents[2] / "bpmn" / "lansi_uusimaa_yrityspalvelu.bpmn"
LU = "lansi_uusimaa_yrityspalvelu"
EXAMPLES = settings(max_examples=60, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))

ODD_TEXT = st.sampled_from([
    "\u200fאבג\u200e", "\x00", "a\x00b", "e\u0301\u0301\u0301", "😀👩‍👩‍👧", "\ud800", "\ufeff", "\u202e" + "x" * 50,
    "x" * 10_000, "ä" * 60_000, "", " ", "null", "{}", "'; drop table case; --", "{{ 7*7 }}", "__import__('os')",
])
TEXT = st.one_of(ODD_TEXT, st.text(max_size=40))
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63, max_value=2**80),
                   st.floats(allow_nan=True, allow_infinity=True), TEXT)
VALUE = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
                     max_leaves=12)
LU_KEYS = st.sampled_from(["asiakas", "kanava", "aiempi_asiakas", "segmentti", "tarpeet", "tyytyvaisyys"])
FORM = st.dictionaries(st.one_of(LU_KEYS, TEXT), VALUE, max_size=6)
# what a client could send as the whole body: a form, or no object at all
BODY = st.one_of(FORM.map(lambda d: {"data": d}), VALUE, st.builds(lambda d: {"data": d}, VALUE))


def _post(client: TestClient, path: str, body: Any) -> Any:
    # NaN and Infinity go out as written: hostile clients send what json.dumps allows
    r = client.post(path, content=json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass"),
                    headers={"content-type": "application/json"})
    assert r.status_code < 500, (path, r.status_code, r.text[:300])
    if r.status_code >= 400:
        error = r.json()
        assert isinstance(error.get("code"), str) and isinstance(error.get("message"), str), r.text[:300]
    return r


def _snapshot(client: TestClient, case_id: int) -> Any:
    case = client.get(f"/api/cases/{case_id}").json()
    return case["data"], case["status"], [(e["seq"], e["lifecycle"]) for e in case["timeline"]]


def test_hostile_form_data_is_a_4xx_or_accepted_never_a_5xx(kapula, tokens):
    kapula.deploy(model_bundle(LU_MODEL))
    kapula.deploy([read("three_lanes.bpmn")])
    with TestClient(create_app(kapula, max_body_bytes=200_000, secret_key="fuzz"), raise_server_exceptions=False) as client:
        client.headers.update(tokens["admin"])
        bystander = _post(client, "/api/cases", {"process_key": LU, "data": {"asiakas": "Oy Sivullinen Ab", "kanava": "kaynti"}}).json()
        before = _snapshot(client, bystander["id"])
        target: dict[str, str] = {}

        def fresh_task(key: str) -> str:
            data = {"asiakas": "Oy Kohde Ab", "kanava": "puhelin"} if key == LU else {}
            return _post(client, "/api/cases", {"process_key": key, "data": data}).json()["ready_tasks"][0]["id"]

        @given(key=st.sampled_from([LU, "Handoff_demo"]), start=BODY, complete=BODY)
        @EXAMPLES
        def hostile(key: str, start: Any, complete: Any) -> None:
            _post(client, "/api/cases", {"process_key": key, **(start if isinstance(start, dict) else {"data": start})})
            task = target.get(key) or fresh_task(key)
            if _post(client, f"/api/tasks/{task}/complete", complete).status_code < 300:
                target.pop(key, None)  # completed: the next example needs a ready task again
            else:
                target[key] = task

        hostile()
        assert _snapshot(client, bystander["id"]) == before
