"""Customers see no measurements (issue 12, item 10): the drawing and the process card shown to a
customer carry no measured values, the same rule (sees_metrics) as the metrics API, which refuses
them; the people who may see the metrics still see them in both."""

from __future__ import annotations

import pytest

from tests.e2e.test_metrics_pages import logged  # noqa: F401  (fixture)
from tests.e2e.test_pages import sign_in
from tests.integration.metrics_log import KEY

IN_DRAWING = ("mediaani", "odottaa")  # a task's measured median, the tasks waiting now
IN_CARD = ("Mitattu", "(n=", "aloitettu,", "tavoitteesta", "ei vielä tietoa")


def _measured(text: str, words: tuple[str, ...] = IN_DRAWING) -> list[str]:
    return [word for word in words if word in text]


@pytest.mark.usefixtures("logged")
def test_the_customer_gets_the_drawing_and_card_without_measured_values(client, tokens):
    assert client.get(f"/api/processes/{KEY}/metrics", headers=tokens["asiakas"]).status_code == 403
    svg = client.get(f"/api/processes/{KEY}/swimlane.svg", headers=tokens["asiakas"])
    assert svg.status_code == 200 and _measured(svg.text) == []
    unmeasured = client.get(f"/api/processes/{KEY}/swimlane.svg?measured=false", headers=tokens["admin"]).text
    assert svg.text == unmeasured
    sign_in(client, "asiakas")
    page_svg = client.get(f"/processes/{KEY}/swimlanes.svg")
    assert page_svg.status_code == 200 and page_svg.text == unmeasured
    card = client.get(f"/processes/{KEY}/card")
    assert card.status_code == 200 and "Aloitetut tapaukset" in card.text and _measured(card.text, IN_CARD) == []
    page = client.get(f"/processes/{KEY}").text  # nor does the process page speak of any
    assert "mitattu mediaanikesto" not in page and "mittareineen" not in page and "Prosessikortti" in page
    for fmt in ("png", "pdf"):  # the other formats are drawn by the same rule
        assert client.get(f"/api/processes/{KEY}/swimlane.{fmt}", headers=tokens["asiakas"]).status_code == 200


@pytest.mark.usefixtures("logged")
def test_those_who_see_the_metrics_still_see_them_in_the_drawing_and_card(client, tokens):
    for user in ("admin", "omistaja", "sek.neuvoja"):
        assert client.get(f"/api/processes/{KEY}/metrics", headers=tokens[user]).status_code == 200
        svg = client.get(f"/api/processes/{KEY}/swimlane.svg", headers=tokens[user]).text
        assert "mediaani" in svg, user
        sign_in(client, user)
        assert "mediaani" in client.get(f"/processes/{KEY}/swimlanes.svg").text
        assert "Mitattu" in client.get(f"/processes/{KEY}/card").text
        assert "mittareineen" in client.get(f"/processes/{KEY}").text
