"""Page and API views of an unchanged drawing never re-run graphviz (issue 12, item 7)."""

from __future__ import annotations

from tests.conftest import read
from tests.integration.metrics_log import KEY
from tests.integration.test_drawing_cache import runs  # noqa: F401  (fixture)


def test_page_views_of_the_drawing_reuse_it(client, kapula, directory, tokens, runs):  # noqa: F811
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    for _ in range(3):
        assert client.get(f"/api/processes/{KEY}/swimlane.svg?view=tem", headers=tokens["admin"]).status_code == 200
        assert client.get(f"/api/processes/{KEY}/swimlane.svg", headers=tokens["admin"]).status_code == 200
    assert runs == {"graphviz": 1, "di": 1}
