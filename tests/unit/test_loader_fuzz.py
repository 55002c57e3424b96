"""Property-based tests of the BPMN loader: whatever bytes arrive, it either loads them or refuses
them with a DiagramError naming the problem; it never crashes with another exception or hangs."""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import DiagramError
from engine.runtime.parser import load_files

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bpmn"
VALID = [(FIXTURES / name).read_bytes() for name in ("three_lanes.bpmn", "loop.bpmn", "timer_boundary.bpmn", "camunda_form.bpmn")]
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def _load_or_refuse(content: bytes) -> None:
    started = time.thread_time()
    try:
        load_files([("fuzz.bpmn", content)])
    except DiagramError as refused:
        assert refused.issues and all(issue.message for issue in refused.issues)
    assert time.thread_time() - started < 10


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_are_loaded_or_refused_cleanly(content: bytes) -> None:
    _load_or_refuse(content)


@FUZZ
@given(st.sampled_from(VALID), st.data())
def test_cut_or_corrupted_diagrams_are_loaded_or_refused_cleanly(valid: bytes, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(valid)))
    end = data.draw(st.integers(start, len(valid)))
    insert = data.draw(st.binary(max_size=40) | st.sampled_from([b"<", b">", b"&", b'"', b"]]>", b"<!--", b"\x00", b"\xff\xfe"]))
    _load_or_refuse(valid[:start] + insert + valid[end:])


@FUZZ
@given(st.sampled_from(VALID), st.data())
def test_renamed_ids_and_names_are_loaded_or_refused_cleanly(valid: bytes, data: st.DataObject) -> None:
    text = valid.decode("utf-8")
    target = data.draw(st.sampled_from(["Task_", "Flow_", "Gateway_", "Lane_", 'name="', "StartEvent_", "EndEvent_"]))
    replacement = data.draw(st.text(max_size=12))
    content = text.replace(target, replacement, data.draw(st.integers(1, 3)))
    _load_or_refuse(content.encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(st.text(min_size=1, max_size=200))
def test_any_condition_text_is_loaded_or_refused_cleanly(condition: str) -> None:
    from xml.sax.saxutils import escape

    text = (FIXTURES / "three_lanes.bpmn").read_text(encoding="utf-8")
    content = text.replace("needs_funding == True", escape(condition).replace("\x00", ""))
    _load_or_refuse(content.encode("utf-8", errors="surrogatepass"))
