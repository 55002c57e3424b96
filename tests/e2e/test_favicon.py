"""The site's icon: every page names it and /favicon.ico (which a browser asks for on its own) is
served from the app's own static files, so no page logs a 404 for it."""

from __future__ import annotations

import re

from tests.e2e.test_pages import sign_in


def test_favicon_ico_is_the_shipped_svg_for_anyone(client):
    r = client.get("/favicon.ico")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.lstrip().startswith("<svg") and "http://" not in r.text.replace("http://www.w3.org/2000/svg", "")


def test_every_page_links_the_icon_from_its_own_static_files(client, tokens):
    pages = [client.get("/signin").text]
    sign_in(client, "admin")
    pages += [client.get(path).text for path in ("/processes", "/cases", "/tasks", "/cases/999999")]
    for text in pages:
        link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', text)
        assert link is not None and link.group(1).startswith("http://testserver/static/")  # ours, no CDN
        icon = client.get(link.group(1))
        assert icon.status_code == 200 and icon.text.lstrip().startswith("<svg")
