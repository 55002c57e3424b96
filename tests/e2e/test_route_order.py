"""The step routes (tasks, cases) are matched first, for speed (issue 14), yet no request finds
another route than in the documented order, and the API's document is written in that order."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute

from api.http.app import DOCUMENTED, MATCHED_FIRST, create_app


def _sample(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_no_other_route_takes_a_path_of_the_routes_matched_first():
    first = [r for m in MATCHED_FIRST for r in m.router.routes if isinstance(r, APIRoute)]
    others = [r for m in DOCUMENTED if m not in MATCHED_FIRST for r in m.router.routes if isinstance(r, APIRoute)]
    assert first and others
    for route in first:
        for other in others:
            assert other.path_regex.match(_sample(route.path)) is None, (route.path, other.path)


def test_the_document_lists_the_operations_in_the_documented_order(kapula):
    app = create_app(kapula, secret_key="order")
    expected = list(
        dict.fromkeys(r.path for m in DOCUMENTED for r in m.router.routes if isinstance(r, APIRoute) and r.include_in_schema)
    )
    assert list(app.openapi()["paths"]) == expected
    assert [type(r).__name__ for r in app.router.routes][:4] == ["Route", "_IncludedRouter", "_IncludedRouter", "_IncludedRouter"]
    matched = [getattr(r, "original_router", None) for r in app.router.routes]
    assert matched.index(MATCHED_FIRST[0].router) < matched.index(DOCUMENTED[0].router)
