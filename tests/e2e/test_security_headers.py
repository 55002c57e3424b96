"""Nothing uploaded runs in a browser (issue 12, item 2): stored files are downloads with nosniff
and a sandboxing policy, every response carries a strict Content-Security-Policy, and drawings
are served with a policy that forbids scripts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import upload
from tests.e2e.test_pages import sign_in

SECURITY = Path(__file__).resolve().parents[1] / "fixtures" / "security"


def _upload_xss(client, headers):
    r = client.post(
        "/api/processes",
        headers=headers,
        params={"owner": "SEK"},
        files=[("files", ("rt_xss2.bpmn", (SECURITY / "rt_xss2.bpmn").read_bytes(), "application/xml"))],
    )
    assert r.status_code == 201, r.text


def _directives(response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def test_a_stored_bpmn_file_with_a_script_in_its_documentation_is_a_download_that_cannot_run(client, tokens):
    _upload_xss(client, tokens["admin"])
    r = client.get("/api/processes/rt_xss2/versions/1/xml", headers=tokens["admin"])
    assert r.status_code == 200 and b"<h:script" in r.content  # the file is kept as uploaded
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["x-content-type-options"] == "nosniff"
    policy = _directives(r)
    assert policy["default-src"] == "default-src 'none'" and "sandbox" in policy
    assert "script-src" not in policy  # nothing allowed: falls back to default-src 'none'


def test_every_file_of_an_upload_is_a_download(client, tokens):
    form = b'{"type": "object", "properties": {"x": {"type": "string"}}}'
    r = client.post(
        "/api/processes",
        headers=tokens["admin"],
        params={"owner": "SEK"},
        files=[
            ("files", ("three_lanes.bpmn", (SECURITY.parent / "bpmn" / "three_lanes.bpmn").read_bytes(), "application/xml")),
            ("files", ("tarve.json", form, "application/json")),
        ],
    )
    assert r.status_code == 201, r.text
    r = client.get("/api/processes/Handoff_demo/versions/1/files/tarve.json", headers=tokens["admin"])
    assert r.status_code == 200 and r.content == form
    assert r.headers["content-disposition"] == "attachment; filename=\"tarve.json\"; filename*=UTF-8''tarve.json"
    assert r.headers["x-content-type-options"] == "nosniff" and "sandbox" in _directives(r)
    r = client.get("/api/processes/Handoff_demo/versions/1/files/muu.json", headers=tokens["admin"])
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    # a stranger to the process gets nothing (the same rule as the versions)
    assert client.get("/api/processes/Handoff_demo/versions/1/files/tarve.json", headers=tokens["te.neuvoja"]).status_code in (
        403,
        404,
    )


def test_a_file_name_outside_latin_1_is_a_download_not_a_500(client, tokens):
    content = (SECURITY.parent / "bpmn" / "three_lanes.bpmn").read_bytes()
    r = client.post(
        "/api/processes",
        headers=tokens["admin"],
        params={"owner": "SEK"},
        files=[("files", ("名前 €.bpmn", content, "application/xml"))],
    )
    assert r.status_code == 201, r.text
    r = client.get("/api/processes/Handoff_demo/versions/1/xml", headers=tokens["admin"])
    assert r.status_code == 200
    assert r.headers["content-disposition"] == (
        "attachment; filename=\".bpmn\"; filename*=UTF-8''%E5%90%8D%E5%89%8D%20%E2%82%AC.bpmn"
    )


@pytest.mark.parametrize(
    "path",
    ["/signin", "/static/style.css", "/static/htmx.min.js", "/api/processes", "/api/nothing-here", "/openapi.json", "/tasks"],
)
def test_every_response_carries_a_strict_policy_nosniff_no_framing_and_a_referrer_policy(client, path):
    r = client.get(path, follow_redirects=False)
    policy = _directives(r)
    assert policy["script-src"] == "script-src 'self'", r.headers  # no 'unsafe-inline', no other origin
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["object-src"] == "object-src 'none'" and policy["base-uri"] == "base-uri 'none'"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["x-frame-options"] == "DENY"


def test_errors_carry_the_policy_too(client, tokens):
    r = client.post("/api/cases", headers=tokens["admin"], content=b"x" * 300_000)  # over the test app's body limit
    assert r.status_code == 413 and "script-src 'self'" in r.headers["content-security-policy"]
    r = client.get("/api/cases/1", headers=tokens["admin"])
    assert r.status_code == 404 and r.headers["x-content-type-options"] == "nosniff"


def test_the_api_documentation_pages_that_need_inline_scripts_are_not_served(client):
    # /docs is Kapula's own page (api/http/api_docs.py): Swagger UI from this server, no inline script
    docs = client.get("/docs")
    assert docs.status_code == 200 and "<script>" not in docs.text and "content-security-policy" in docs.headers
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "Kapula"


def test_drawings_are_served_with_a_policy_that_forbids_scripts(client, tokens):
    upload(client, tokens["admin"], owner="SEK")
    for r in (
        client.get("/api/processes/Handoff_demo/swimlane.svg", headers=tokens["admin"]),
        sign_in(client, "admin").get("/processes/Handoff_demo/swimlanes.svg"),
    ):
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
        policy = _directives(r)
        assert policy["default-src"] == "default-src 'none'" and "sandbox" in policy and "script-src" not in policy
        assert r.headers["x-content-type-options"] == "nosniff"


def test_the_card_page_allows_its_own_style_sheet_and_no_script(client, tokens):
    upload(client, tokens["admin"], owner="SEK")
    r = sign_in(client, "admin").get("/processes/Handoff_demo/card")
    assert r.status_code == 200
    policy = _directives(r)
    assert policy["script-src"] == "script-src 'self'"
    assert re.fullmatch(r"style-src 'self' 'sha256-[A-Za-z0-9+/=]+'", policy["style-src"]), policy


def test_pages_carry_no_inline_script_or_event_handler(client, tokens):
    upload(client, tokens["admin"], owner="SEK")
    templates = Path(__file__).resolve().parents[2] / "api" / "web" / "templates"
    for template in templates.glob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template.name
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert "javascript:" not in text and "hx-on" not in text, template.name


def test_an_unexpected_error_is_the_json_error_shape_with_the_security_headers(kapula):
    from fastapi.testclient import TestClient

    from api.http.app import create_app

    app = create_app(kapula, secret_key="boom")

    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("a bug with a secret in its message")

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/api/boom")
    assert r.status_code == 500 and r.json()["code"] == "internal" and "secret" not in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"] and r.headers["x-content-type-options"] == "nosniff"
