"""Breaking a rule in a reference model makes the scenario that states the rule fail, by name."""

from __future__ import annotations

import shutil
from pathlib import Path

from engine.scenarios.report import TestReport, render
from engine.scenarios.runner import run_features

REPO = Path(__file__).resolve().parents[2]


def _copy_models(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "bpmn", tmp_path / "bpmn")
    shutil.copytree(REPO / "forms", tmp_path / "forms")
    return tmp_path / "bpmn"


def _break(model: Path, old: str, new: str) -> None:
    text = model.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the model no longer contains {old!r}; update this test"
    model.write_text(text.replace(old, new), encoding="utf-8")


def _failed(report: TestReport) -> set[str]:
    return {s.name for s in report.scenarios if not s.passed}


def _swap(model: Path, first: str, second: str) -> None:
    text = model.read_text(encoding="utf-8")
    assert text.count(first) == 1 and text.count(second) == 1
    model.write_text(text.replace(first, "\0").replace(second, first).replace("\0", second), encoding="utf-8")


def test_the_suupohja_scenarios_pass_on_the_intact_model(tmp_path):
    models = _copy_models(tmp_path)
    report = run_features([REPO / "features" / "suupohja_yrityskaynti.feature"], models=models)
    assert report.passed, "\n".join(render(report))


def test_swapping_two_organisations_routing_conditions_fails_their_routing_scenarios(tmp_path):
    models = _copy_models(tmp_path)
    _swap(models / "suupohja_yrityskaynti.bpmn", "'ELY' in organisaatiot", "'TE-toimisto' in organisaatiot")
    report = run_features([REPO / "features" / "suupohja_yrityskaynti.feature"], models=models)
    row = "Liidi ohjataan tarpeen mukaiselle organisaatiolle, joka kirjaa sen tuloksen [tarve={}, organisaatio={}, kenttä={}]"
    assert _failed(report) == {row.format("rahoitus", "ELY", "ely"), row.format("rekrytointi", "TE-toimisto", "te")}
    failing = next(s for s in report.scenarios if s.name == row.format("rahoitus", "ELY", "ely"))
    assert failing.failed_step.text == 'tapaus odottaa tehtävässä "Käsittele liidi: ELY" kaistalla "ELY"'
    assert 'waits at "Käsittele liidi: TE-toimisto" in lane "TE-toimisto"' in failing.failed_step.message


def test_presenting_options_before_mapping_needs_fails_the_needs_first_scenario(tmp_path):
    models = _copy_models(tmp_path)
    model = models / "suupohja_yrityskaynti.bpmn"
    # valmistele → esittele → kartoita → sovi: options before needs
    _break(
        model, 'sourceRef="Task_valmistele" targetRef="Task_kartoita"', 'sourceRef="Task_valmistele" targetRef="Task_esittele"'
    )
    _break(model, 'sourceRef="Task_kartoita" targetRef="Task_esittele"', 'sourceRef="Task_esittele" targetRef="Task_kartoita"')
    _break(model, 'sourceRef="Task_esittele" targetRef="Task_sovi"', 'sourceRef="Task_kartoita" targetRef="Task_sovi"')
    report = run_features([REPO / "features" / "suupohja_yrityskaynti.feature"], models=models)
    needs_first = next(s for s in report.scenarios if s.name == "Tarpeet kartoitetaan ennen kuin ratkaisuja esitellään")
    assert needs_first.failed_step.text == 'tapaus odottaa tehtävässä "Kartoita asiakkaan tarpeet" kaistalla "SEK"'
    assert 'the case waits at "Esittele ratkaisuvaihtoehdot"' in needs_first.failed_step.message


LU_FEATURE = REPO / "features" / "lansi_uusimaa_yrityspalvelu.feature"
LU_NEED_ROW = (
    "Each need in the routing table sends a local customer to its organisation, and only there [need={}, organisation={}]"
)


def test_the_lansi_uusimaa_and_sustainability_scenarios_pass_on_the_intact_models(tmp_path):
    models = _copy_models(tmp_path)
    report = run_features([LU_FEATURE, REPO / "features" / "vastuullisuusraportointi.feature"], models=models)
    assert report.passed, "\n".join(render(report))


def test_swapping_two_organisations_in_the_routing_table_fails_exactly_those_rows(tmp_path):
    models = _copy_models(tmp_path)
    _break(models / "lansi_uusimaa_ohjaus.dmn", 'id="Out_koulutus"><text>"Luksia"', 'id="Out_koulutus"><text>"TE-toimisto"')
    _break(models / "lansi_uusimaa_ohjaus.dmn", 'id="Out_rekrytointi"><text>"TE-toimisto"', 'id="Out_rekrytointi"><text>"Luksia"')
    report = run_features([LU_FEATURE], models=models)
    failed = _failed(report)
    assert LU_NEED_ROW.format("rekrytointi", "TE-toimisto") in failed
    assert LU_NEED_ROW.format("koulutus", "Luksia") in failed
    assert LU_NEED_ROW.format("starttiraha", "TE-toimisto") not in failed  # its own row is intact
    row = next(s for s in report.scenarios if s.name == LU_NEED_ROW.format("rekrytointi", "TE-toimisto"))
    assert 'waits at "Toteuta palvelu: Luksia" in lane "Luksia"' in row.failed_step.message


def test_skipping_the_service_guide_fails_the_service_guide_scenarios(tmp_path):
    models = _copy_models(tmp_path)
    _break(
        models / "lansi_uusimaa_yrityspalvelu.bpmn",
        'sourceRef="Gateway_esittely_ohi" targetRef="Task_palveluopas"',
        'sourceRef="Gateway_esittely_ohi" targetRef="Task_ohjaus"',
    )
    report = run_features([LU_FEATURE], models=models)
    assert {
        "A first-time customer is introduced to the house's organisations and gets the service guide",
        "A returning customer skips the introduction but still gets the service guide",
    } <= _failed(report)


def test_breaking_the_negotiation_and_quality_loops_fails_their_scenarios(tmp_path):
    models = _copy_models(tmp_path)
    model = models / "vastuullisuusraportointi.bpmn"
    _swap(model, "paatos == 'neuvottele'", "paatos == 'hylkaa'")
    _break(model, "laatu == 'puutteita'", "laatu == 'puutteellinen'")
    report = run_features([REPO / "features" / "vastuullisuusraportointi.feature"], models=models)
    assert _failed(report) == {
        "Negotiating the price sends the offer back to the firm until the customer accepts",
        "A rejected offer ends the journey and the CRM records the rejection",
        "Data with defects goes back to the customer until the quality check passes",
    }
