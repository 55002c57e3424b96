"""The metrics, export and swimlane routes: JSON numbers as on the command line, files, access."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from lxml import etree

from api.http.app import create_app
from tests.integration.metrics_log import KEY, build_log


def app_client(kapula) -> TestClient:
    return TestClient(create_app(kapula, max_body_bytes=200_000, secret_key="test-secret"))


def test_metrics_export_and_drawing(kapula, clock, tokens):
    build_log(kapula, clock)
    with app_client(kapula) as client:
        admin = tokens["admin"]
        m = client.get(f"/api/processes/{KEY}/metrics", headers=admin)
        assert m.status_code == 200, m.text
        body = m.json()
        assert body["cases"] == {"started": 4, "completed": 2, "cancelled": 1, "in_progress": 1, "failed": 0, "incidents": 0}
        assert body["lead_time"]["median"] == 33 * 3600
        assert client.get(f"/api/processes/{KEY}/metrics?segment=founder", headers=admin).json()["cases"]["started"] == 2
        exported = client.get(f"/api/processes/{KEY}/export?format=csv", headers=admin)
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert rows and not any("advisor" in r["resource"] for r in rows)
        assert client.get(f"/api/processes/{KEY}/export?format=xes", headers=admin).text.startswith("<?xml")
        svg = client.get(f"/api/processes/{KEY}/swimlane.svg?view=tem", headers=admin)
        assert svg.headers["content-type"] == "image/svg+xml"
        assert "lane-0-band" in {g.get("id") for g in etree.fromstring(svg.content).iter("{http://www.w3.org/2000/svg}g")}


def test_unknown_process_and_signed_out(kapula, tokens):
    with app_client(kapula) as client:
        assert client.get("/api/processes/nope/metrics", headers=tokens["admin"]).status_code == 404
        assert client.get(f"/api/processes/{KEY}/metrics").status_code == 401


def test_an_export_is_for_who_sees_the_metrics_and_lands_in_the_access_log(kapula, clock, tokens):
    build_log(kapula, clock)
    with app_client(kapula) as client:
        refused = client.get(f"/api/processes/{KEY}/export?format=csv", headers=tokens["asiakas"])
        assert refused.status_code == 403
        assert client.get(f"/api/processes/{KEY}/export?format=csv", headers=tokens["admin"]).status_code == 200
        case_ids = kapula.case_ids(KEY)
        logged = {
            entry["case_id"]
            for case_id in case_ids
            for entry in client.get(f"/api/cases/{case_id}/access-log", headers=tokens["admin"]).json()
            if entry["action"] == "export" and entry["user"] == "admin"
        }
    assert case_ids and logged == set(case_ids)


def test_versions_and_times_out_of_range_are_clear_errors_not_500(kapula, clock, tokens):
    # a version past 32 bits and a time whose UTC falls outside Python's years overflowed the
    # database driver: 500 (OverflowError); a version the process does not have answered zeros
    build_log(kapula, clock)
    with app_client(kapula) as client:
        url, admin = f"/api/processes/{KEY}/metrics", tokens["admin"]
        for version in ("9223372036854775808", "2147483648", "2147483647", "99"):
            r = client.get(f"{url}?version={version}", headers=admin)
            assert (r.status_code, r.json()["code"]) == (404, "not_found"), (version, r.text)
            assert f"{KEY} v{version}" in r.json()["message"]
        for name, moment in (("since", "0001-01-01T00:00:00%2B14:00"), ("until", "9999-12-31T23:59:59-14:00")):
            r = client.get(f"{url}?{name}={moment}", headers=admin)
            assert (r.status_code, r.json()["code"]) == (422, "invalid_data"), (name, r.text)
            assert r.json()["details"]["field_errors"] == {name: "a time from 1900 to 9998"}
        assert client.get(f"{url}?since=1900-01-01T00:00:00Z&version=1", headers=admin).json()["cases"]["started"] == 4
