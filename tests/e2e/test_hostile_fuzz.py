"""More hostile input over HTTP (issue 12, Done when): deep, huge and non-finite data and hostile
names sent to the endpoints the form fuzz test (test_form_fuzz.py) does not reach — the retry of a
failed case, messages to a waiting case, the correlation values that address them — and hostile
names of processes, pools, lanes, elements and flows in uploaded diagrams, drawn in every view.
Each answer is a 2xx or a 4xx with the JSON error shape, never a 5xx; nothing hostile is stored;
a failed case keeps one incident however often its retry is refused or fails; drawings stay inert."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.http.app import create_app
from tests.conftest import FIXTURES, read
from tests.e2e.test_form_fuzz import BODY, HOSTILE_NAMES, ODD_TEXT, VALUE, _not_json, _post
from tests.unit.test_hostile_names_drawing import HOSTILE, assert_inert, hostile_bpmn

EXAMPLES = settings(max_examples=40, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
POISON = FIXTURES / "incidents" / "rt_timerpoison.bpmn"


def _incidents(client: TestClient, case_id: int) -> list[Any]:
    r = client.get(f"/api/cases/{case_id}/incidents")
    assert r.status_code == 200, r.text[:300]
    return r.json()


def test_hostile_data_to_a_retry_and_to_messages_is_a_4xx_or_accepted_never_a_5xx(kapula, tokens, clock):
    kapula.deploy([(POISON.name, POISON.read_bytes())])
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    failed = kapula.start_case("rt_timerpoison", {"summa": 0})
    waiting = kapula.start_case("Handoff_demo", {"customer": "Oy"})
    clock.advance(timedelta(seconds=5))
    assert kapula.fire_due_timers_round().failed == (failed.id,)
    with TestClient(create_app(kapula, max_body_bytes=200_000, secret_key="fuzz"), raise_server_exceptions=False) as client:
        client.headers.update(tokens["admin"])

        @given(
            retry=BODY,
            name=st.one_of(HOSTILE_NAMES, ODD_TEXT),
            message=BODY,
            correlation=st.one_of(st.none(), st.dictionaries(st.one_of(HOSTILE_NAMES, ODD_TEXT), VALUE, max_size=3)),
        )
        @EXAMPLES
        def hostile(retry: Any, name: str, message: Any, correlation: Any) -> None:
            if isinstance(retry, dict) and "data" in retry and isinstance(retry["data"], dict):
                retry["data"].pop("summa", None)  # a fix of summa would mend the case: keep it failing
            r = _post(client, f"/api/cases/{failed.id}/retry", retry)
            # refused data (422, or 413 past the body limit), or the step failed again (422): never mended, never a 5xx
            assert r.status_code in (413, 422), (r.status_code, r.text[:300])
            address = {"case_id": waiting.id} if correlation is None else {"correlation": correlation}
            body = {"name": name, **address, **(message if isinstance(message, dict) else {"data": message})}
            _post(client, "/api/messages", body)
            assert len(_incidents(client, failed.id)) == 1  # one incident, however often the retry fails
            listed = client.get("/api/cases")
            assert listed.status_code == 200, listed.text[:300]
            json.loads(listed.text, parse_constant=_not_json)

        hostile()
        case = client.get(f"/api/cases/{failed.id}").json()
        assert case["status"] == "failed" and case["data"] == {"summa": 0}
        assert client.post(f"/api/cases/{failed.id}/retry", json={"data": {"summa": 4}}).status_code == 200


# names an XML attribute can hold (no control characters but tab, line feed and carriage return)
XML_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"), max_size=60)
NAME = st.one_of(
    st.sampled_from(HOSTILE),
    XML_TEXT,
    st.builds(lambda a, b: f"<<{a}>{b}</{a}>>", st.sampled_from(["B", "I", "TABLE", "FONT", 'IMG SRC="/etc/passwd"/']), XML_TEXT),
)


def _distinctive(names: list[str]) -> list[str]:
    """The names no drawing holds by chance in an attribute ("0000" is in "scale(1.0000)")."""
    return [n for n in names if len(n.strip()) > 6 and not re.fullmatch(r"[\d\s.,()\-]+", n)]


def test_hostile_names_in_an_uploaded_diagram_are_drawn_as_text_never_a_5xx(kapula, tokens):
    with TestClient(create_app(kapula, max_body_bytes=2_000_000, secret_key="fuzz"), raise_server_exceptions=False) as client:
        client.headers.update(tokens["admin"])
        stored: list[int] = []

        @given(names=st.lists(NAME, min_size=6, max_size=9))
        @settings(max_examples=12, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
        def upload(names: list[str]) -> None:
            files = [("files", ("hostile.bpmn", hostile_bpmn(names), "application/xml"))]
            r = client.post("/api/processes", params={"owner": "SEK"}, files=files)
            assert r.status_code < 500, (r.status_code, r.text[:300])
            if r.status_code >= 300:
                assert isinstance(r.json().get("message"), str)
                return
            for view in ("auto", "di", "tem"):
                drawn = client.get(f"/api/processes/p/swimlane.svg?view={view}")
                assert drawn.status_code == 200, (view, drawn.text[:300])
                assert_inert(drawn.content, _distinctive(names))
            assert client.get("/api/processes/p/swimlane.png").status_code == 200
            for path in ("/api/processes", "/api/processes/p/versions", "/api/processes/p/metrics"):
                listed = client.get(path)
                assert listed.status_code == 200, (path, listed.text[:300])
            stored.append(r.json()["versions"][0]["version"])

        upload()
        assert len(stored) >= 6, f"only {len(stored)} of the hostile diagrams were stored and drawn"


def test_a_field_name_with_a_lone_surrogate_is_a_422_not_a_500(kapula, tokens):
    """Found by the fuzz above: the refusal quoted the name, and no JSON answer can hold a lone surrogate."""
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo", {"customer": "Oy"})
    with TestClient(create_app(kapula, secret_key="fuzz"), raise_server_exceptions=False) as client:
        client.headers.update({**tokens["admin"], "content-type": "application/json"})
        for path, body in [
            ("/api/cases", b'{"process_key": "Handoff_demo", "data": {"\\ud800": 1, "\\u0007x": 2}}'),
            (f"/api/tasks/{case.ready_tasks[0].id}/complete", b'{"data": {"\\udfff": 1}}'),
            ("/api/messages", b'{"name": "m", "case_id": ' + str(case.id).encode() + b', "data": {"\\ud800": 1}}'),
        ]:
            r = client.post(path, content=body)
            assert r.status_code == 422, (path, r.status_code, r.text[:300])
            error = r.json()
            assert error["code"] == "invalid_data"
            assert "\\ud800" in error["message"] or "\\udfff" in error["message"]  # the name, escaped
