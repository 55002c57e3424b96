"""Each version lists the files it came from, also when one upload holds several diagrams."""

from __future__ import annotations

from pathlib import Path

from engine.bundles import model_bundle
from tests.conftest import FIXTURES

REPO = Path(__file__).resolve().parents[2]


def test_two_diagrams_in_one_upload_each_list_their_own_file(kapula):
    # the web page's upload of C.4.0 and C.8.0: each version's File column read "C.4.0.bpmn, C.8.0.bpmn"
    files = [(name, (FIXTURES / "miwg" / name).read_bytes()) for name in ("C.4.0.bpmn", "C.8.0.bpmn")]
    result = kapula.deploy(files)
    by_file = {v.filename for v in result.versions}
    assert by_file == {"C.4.0.bpmn", "C.8.0.bpmn"}, [(v.key, v.filename) for v in result.versions]


def test_a_model_lists_its_card_tables_and_forms_but_not_another_models(kapula):
    models = [REPO / "bpmn" / name for name in ("lansi_uusimaa_yrityspalvelu.bpmn", "suupohja_teemaseminaari.bpmn")]
    bundles = {m.name: model_bundle(m) for m in models}
    upload = list(dict(pair for bundle in bundles.values() for pair in bundle).items())
    for version in kapula.deploy(upload).versions:
        (own,) = [names for names in ({n for n, _ in b} for b in bundles.values()) if version.filename.split(", ")[0] in names]
        assert set(version.filename.split(", ")) == own, version.key
