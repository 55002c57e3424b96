"""Drawings are cached per version and measurement (issue 12, item 7): viewing an unchanged drawing
again never re-runs graphviz (nor redraws the DI SVG); a new measurement or version draws anew."""

from __future__ import annotations

import pytest

from engine.errors import InvalidDataError
from engine.render import drawing
from tests.conftest import read
from tests.integration.metrics_log import KEY


@pytest.fixture
def runs(monkeypatch) -> dict[str, int]:
    counts = {"graphviz": 0, "di": 0}
    graphviz_render, di_build = drawing.render, drawing.build_di_svg

    def counted_render(*args, **kwargs):
        counts["graphviz"] += 1
        return graphviz_render(*args, **kwargs)

    def counted_build(*args, **kwargs):
        counts["di"] += 1
        return di_build(*args, **kwargs)

    monkeypatch.setattr(drawing, "render", counted_render)
    monkeypatch.setattr(drawing, "build_di_svg", counted_build)
    return counts


def test_an_unchanged_drawing_is_drawn_once(kapula, runs):
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    first = kapula.swimlane(KEY, view="tem")
    assert kapula.swimlane(KEY, view="tem") == first and runs["graphviz"] == 1
    laid_out = kapula.swimlane(KEY)
    assert kapula.swimlane(KEY) == laid_out and runs["di"] == 1
    kapula.swimlane(KEY, "png", view="tem")
    assert runs["graphviz"] == 2  # another format is another drawing


def test_a_new_measurement_or_version_draws_anew(kapula, runs):
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    kapula.swimlane(KEY, view="tem")
    case = kapula.start_case(KEY, {})
    kapula.swimlane(KEY, view="tem")
    assert runs["graphviz"] == 2  # a task waits now: the overlay changed
    kapula.swimlane(KEY, view="tem")
    assert runs["graphviz"] == 2
    kapula.complete_task(case.ready_tasks[0].id, {"new_customer": True, "needs_funding": False})
    kapula.swimlane(KEY, view="tem", measured=False)
    kapula.swimlane(KEY, view="tem", measured=False)
    assert runs["graphviz"] == 3
    name, content = read("three_lanes.bpmn")
    kapula.deploy([(name, content.replace(b"Kuvaa tarve", b"Kuvaa tarpeet"))])
    assert b"Kuvaa tarpeet" in kapula.swimlane(KEY, view="tem", measured=False) and runs["graphviz"] == 4


def test_unknown_views_and_formats_are_refused_and_not_cached(kapula, runs):
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    for fmt, view in (("gif", "tem"), ("svg", "sideways")):
        with pytest.raises(InvalidDataError):
            kapula.swimlane(KEY, fmt, view=view)
    assert runs == {"graphviz": 0, "di": 0}


def test_the_cache_keeps_to_its_count_and_byte_budget():
    cache = drawing.DrawingCache(size=3, max_bytes=100)
    for i in range(5):
        cache.get(("k", str(i)), lambda i=i: bytes(30))
    assert cache.misses == 5
    cache.get(("k", "4"), lambda: b"never drawn")
    assert cache.misses == 5  # the newest is kept
    cache.get(("k", "0"), lambda: bytes(30))
    assert cache.misses == 6  # the oldest went first
    cache.get(("huge",), lambda: bytes(500))
    cache.get(("huge",), lambda: bytes(500))
    assert cache.misses == 8  # a drawing over the whole budget is not kept
    cache.get(("k", "0"), lambda: b"x")
    assert cache.misses == 8  # and pushed nothing out
