"""Hostile form data against the real app: wrong types, huge sizes, deep nesting, NaN and Infinity,
hostile field names and unicode edge cases posted to start cases and complete tasks end in a 2xx
or a 4xx with the JSON error shape, never a 5xx; no other case changes, the case list always
answers, and whatever was stored is JSON (RFC 8259). Uploads with hostile file names likewise."""

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

ODD_TEXT = st.sampled_from(
    [
        "\u200fאבג\u200e",
        "\x00",
        "a\x00b",
        "e\u0301\u0301\u0301",
        "😀👩‍👩‍👧",
        "\ud800",
        "\ufeff",
        "\u202e" + "x" * 50,
        ("x", 10_000),
        ("ä", 60_000),
        "",
        " ",
        "null",
        "{}",
        "'; drop table case; --",
        "{{ 7*7 }}",
        "__import__('os')",
    ]
).map(lambda v: v[0] * v[1] if isinstance(v, tuple) else v)  # long texts built when drawn: no 70 kB repr
TEXT = st.one_of(ODD_TEXT, st.text(max_size=40))
HOSTILE_NAMES = st.sampled_from(
    [
        "__proto__",
        "constructor",
        "__class__",
        "_hidden",
        "$where",
        "<script>alert(1)</script>",
        "=cmd|' /C calc'!A0",
        "a.b",
        "a[0]",
        "../../etc/passwd",
        "x" * 201,
        "\u202eevil",
        "Ä" * 5,
        "nul\x00l",
        "class",
        "None",
    ]
)
NON_FINITE = st.sampled_from([float("nan"), float("inf"), float("-inf")])
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**53, max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    NON_FINITE,
    TEXT,
)


def _nested(depth: int, leaf: Any, as_object: bool) -> Any:
    for _ in range(depth):
        leaf = {"x": leaf} if as_object else [leaf]
    return leaf


DEEP = st.builds(_nested, st.integers(min_value=25, max_value=400), SCALAR, st.booleans())


def _huge(kind: str) -> Any:
    # built when drawn: a strategy holding the value itself would print it whole
    return {
        "items": lambda: list(range(10_001)),
        "text": lambda: "y" * 100_001,
        "wide": lambda: [["z"] * 50] * 300,
        "fields": lambda: {f"k{i}": i for i in range(10_001)},
    }[kind]()


HUGE = st.sampled_from(["items", "text", "wide", "fields"]).map(_huge)
VALUE = st.recursive(
    st.one_of(SCALAR, DEEP, HUGE),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.one_of(TEXT, HOSTILE_NAMES), inner, max_size=4)),
    max_leaves=12,
)
LU_KEYS = st.sampled_from(["asiakas", "kanava", "aiempi_asiakas", "segmentti", "tarpeet", "tyytyvaisyys"])
FORM = st.dictionaries(st.one_of(LU_KEYS, TEXT, HOSTILE_NAMES), VALUE, max_size=6)
# what a client could send as the whole body: a form, or no object at all
BODY = st.one_of(FORM.map(lambda d: {"data": d}), VALUE, st.builds(lambda d: {"data": d}, VALUE))


def _post(client: TestClient, path: str, body: Any) -> Any:
    # NaN and Infinity go out as written: hostile clients send what json.dumps allows
    r = client.post(
        path,
        content=json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass"),
        headers={"content-type": "application/json"},
    )
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
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    with TestClient(create_app(kapula, max_body_bytes=200_000, secret_key="fuzz"), raise_server_exceptions=False) as client:
        client.headers.update(tokens["admin"])
        bystander = _post(
            client, "/api/cases", {"process_key": LU, "data": {"asiakas": "Oy Sivullinen Ab", "kanava": "kaynti"}}
        ).json()
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
            listed = client.get("/api/cases")  # what was stored never breaks the list for anyone
            assert listed.status_code == 200, listed.text[:300]
            json.loads(listed.text, parse_constant=_not_json)

        hostile()
        assert _snapshot(client, bystander["id"]) == before


def _not_json(word: str) -> Any:
    raise AssertionError(f"{word} was stored: not a JSON number (RFC 8259)")


# a multipart body is UTF-8: a lone surrogate cannot be sent as a file name at all
HOSTILE_FILE_NAMES = (
    st.one_of(HOSTILE_NAMES, ODD_TEXT, st.text(min_size=1, max_size=30))
    .filter(lambda n: not any(0xD800 <= ord(c) <= 0xDFFF for c in n))
    .map(lambda n: n + ".bpmn")
)


def test_hostile_file_names_upload_and_download_without_a_5xx(kapula, tokens):
    content = read("three_lanes.bpmn")[1]
    with TestClient(create_app(kapula, max_body_bytes=200_000, secret_key="fuzz"), raise_server_exceptions=False) as client:
        client.headers.update(tokens["admin"])

        @given(name=HOSTILE_FILE_NAMES)
        @settings(max_examples=25, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
        def upload(name: str) -> None:
            r = client.post("/api/processes", files=[("files", (name, content, "application/xml"))])
            assert r.status_code < 500, (name, r.status_code, r.text[:300])
            if r.status_code < 300:
                version = r.json()["versions"][0]["version"]
                got = client.get(f"/api/processes/Handoff_demo/versions/{version}/xml")
                assert got.status_code == 200 and got.headers["content-disposition"].startswith("attachment;")

        upload()
