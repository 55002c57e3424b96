"""One vocabulary: the drawing and the access rules agree on which lane is the customer's."""

from __future__ import annotations

import pytest

from engine.access.policy import Principal, Role, owns_lane
from engine.render.model import customer_first, is_customer
from engine.vocabulary import is_customer_lane

CUSTOMER = Principal(username="asiakas", display_name="Asiakas", role=Role.CUSTOMER)


@pytest.mark.parametrize("lane", ["Asiakas", "customer", " Kund ", "Kunden", "KUNDE"])
def test_a_customer_lane_is_the_customers_for_the_drawing_and_for_access(lane):
    assert is_customer_lane(lane)
    assert is_customer(lane) and customer_first(["SEK", lane]) == (lane, "SEK")
    assert owns_lane(CUSTOMER, "k", lane)


@pytest.mark.parametrize("lane", ["Asiakastietojärjestelmä", "Private Customer Account Manager", "Kundservice", "SEK", ""])
def test_a_lane_that_only_contains_a_customer_word_is_nobodys_customer_lane(lane):
    assert not is_customer_lane(lane)
    assert not is_customer(lane) and customer_first([lane]) == (lane,)
    assert not owns_lane(CUSTOMER, "k", lane)
