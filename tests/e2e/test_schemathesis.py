"""Property-based requests from the OpenAPI document (schemathesis): no request makes a server error."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from api.http.app import create_app
from tests.conftest import read

# bounded, and the same examples every run: the suite stays fast and a failure repeats
EXAMPLES = settings(max_examples=20, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))


@pytest.mark.slow
def test_no_request_makes_a_server_error(kapula, tokens):
    # schemathesis.pytest.from_fixture reads a private attribute pytest 9 no longer has, so the
    # operations are walked here, one Hypothesis run each
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    kapula.start_case("Handoff_demo", {"customer": "Oy"}, user="asiakas")
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(kapula, secret_key="schemathesis"))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12

    for operation in operations:

        @given(case=operation.as_strategy())
        @EXAMPLES
        def no_server_error(case: schemathesis.Case) -> None:
            # signed in as the administrator, so requests reach the use cases instead of stopping at 401
            case.call_and_validate(headers=tokens["admin"], checks=[not_a_server_error])

        try:
            no_server_error()
        except Exception as exc:
            raise AssertionError(f"{operation.label}: a request made a server error") from exc
