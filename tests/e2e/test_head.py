"""HEAD answers as GET does, without a body (`curl -I /` was 405 while GET was 200)."""

from __future__ import annotations

from fastapi.routing import APIRoute

from api.http.routes import audit, auth, cases, messages, metrics, migrations, processes, tasks, users
from api.web import case_actions, lists, metrics_pages, migration_pages, pages, task_pages
from tests.e2e.conftest import upload


def _same_answer(client, path, headers=None):
    got = client.get(path, headers=headers, follow_redirects=False)
    head = client.head(path, headers=headers, follow_redirects=False)
    assert head.status_code == got.status_code, (path, head.status_code, got.status_code)
    assert head.content == b"", path
    assert head.headers.get("content-type") == got.headers.get("content-type"), path
    assert head.headers.get("content-security-policy") == got.headers.get("content-security-policy"), path
    return got, head


def test_head_on_the_front_page_sign_in_and_a_static_file(client):
    for path in ("/", "/signin", "/static/style.css"):
        got, head = _same_answer(client, path)
        assert head.status_code != 405, path
    got, head = _same_answer(client, "/signin")
    assert head.status_code == 200 and head.headers["content-length"] == str(len(got.content))


def test_every_get_route_without_parameters_answers_head(client, tokens):
    assert upload(client, tokens["admin"], owner="SEK").status_code == 201
    routers = [m.router for m in (auth, users, processes, migrations, cases, messages, audit, tasks, metrics)]
    routers += [m.router for m in (pages, task_pages, case_actions, metrics_pages, migration_pages, lists)]
    paths = [
        r.path
        for router in routers
        for r in router.routes
        if isinstance(r, APIRoute) and "GET" in r.methods and "{" not in r.path
    ]
    assert len(paths) > 10
    for path in paths:
        got, head = _same_answer(client, path, tokens["admin"])
        assert head.status_code != 405, path
    got, head = _same_answer(client, "/api/processes/Handoff_demo/versions", tokens["admin"])
    assert head.status_code == 200


def test_head_on_a_post_only_path_is_refused_like_get_and_openapi_lists_no_head_operations(client, tokens):
    assert client.head("/api/processes/three_lanes/cases", headers=tokens["admin"]).status_code in (404, 405)
    spec = client.get("/openapi.json").json()
    assert not [p for p, ops in spec["paths"].items() if "head" in ops]


def test_a_head_request_is_in_the_access_log_as_head(client, tokens):
    # it was run as a GET inside, and the access log wrote "GET /api/cases/1" for a HEAD
    admin = tokens["admin"]
    assert upload(client, admin, owner="SEK").status_code == 201
    case = client.post("/api/cases", json={"process_key": "Handoff_demo"}, headers=admin).json()
    assert client.head(f"/api/cases/{case['id']}", headers=admin).status_code == 200
    assert client.get(f"/api/cases/{case['id']}", headers=admin).status_code == 200
    log = client.get(f"/api/cases/{case['id']}/access-log", headers=admin).json()
    reads = [e["origin"].split(" from")[0] for e in log if e["action"] == "read"]
    assert reads == [f"HEAD /api/cases/{case['id']}", f"GET /api/cases/{case['id']}"], log
