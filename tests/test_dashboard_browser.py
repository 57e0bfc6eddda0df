"""The web dashboard end to end in headless Chromium: offline, per role, on a phone-sized screen too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from trucewatch.server.app import create_app

from .browser import assert_not_blank, browser_page
from .live_server import live
from .server_fixtures import Served, make_served

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, module_database: str | None) -> Iterator[tuple[str, Served]]:
    s = make_served(tmp_path_factory.mktemp("dash"), module_database)
    s.client.post("/api/v1/publish", headers=s.headers("chief"))
    with live(create_app(s.dir, module_database)) as base:
        yield base, s


def _sign_in(page, token: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("#token", token)
    page.click("#login button[type=submit]")
    page.wait_for_function("document.querySelector('#who').textContent !== 'public'")


def _offline(page, base: str, seen: list[str]) -> None:  # type: ignore[no-untyped-def]
    page.on("request", lambda r: seen.append(r.url))


def test_public_map_timeline_and_incident_page(site: tuple[str, Served], tmp_path: Path) -> None:
    base, _ = site
    seen: list[str] = []
    with browser_page() as page:
        _offline(page, base, seen)
        page.goto(base + "/")
        page.wait_for_selector("svg#map circle.incident")
        assert page.locator("svg#map circle.incident").count() > 10
        assert page.locator("svg#map ellipse").count() > 5
        assert page.locator("svg#timeline rect").count() >= 2
        png = page.screenshot(full_page=True)
        (tmp_path / "public.png").write_bytes(png)
        assert_not_blank(png)
        page.locator("#incidents tr.clickable").first.click()
        page.wait_for_selector("#incident-page #observations")
        text = page.inner_text("#incident-page")
        assert "Observations" in text and "Decisions and status history" in text
        assert "acoustic-" not in text and "post-" not in text  # observer identities stay inside the mission
        page.click("a[href='#/reports']")
        page.wait_for_selector("#reports li")
        assert page.locator("#reports li").count() >= 2
    assert all(u.startswith(base) or u.startswith("data:") for u in seen), [u for u in seen if not u.startswith(base)]


def test_filters_narrow_the_list(site: tuple[str, Served]) -> None:
    base, _ = site
    with browser_page() as page:
        page.goto(base + "/")
        page.wait_for_selector("#incidents tr.clickable")
        before = page.locator("#incidents tr.clickable").count()
        page.select_option("#f-outcome", "undetermined")
        page.click("#apply")
        page.wait_for_function(f"document.querySelectorAll('#incidents tr.clickable').length < {before}")
        outcomes = page.locator("#incidents tr.clickable td:nth-child(3)").all_inner_texts()
        assert outcomes and set(outcomes) == {"undetermined"}


def test_analyst_records_a_decision_from_the_incident_page(site: tuple[str, Served]) -> None:
    base, s = site
    inc = s.client.get("/api/v1/incidents", params={"outcome": "violation"}, headers=s.headers("analyst")).json()
    target = inc["incidents"][1]["id"]
    with browser_page() as page:
        page.goto(base + "/")
        _sign_in(page, s.tokens["analyst"])
        page.goto(f"{base}/#/incident/{target}")
        page.wait_for_selector("#decide")
        assert page.locator("#observations").inner_text().count("\n") >= 1
        page.select_option("#d-status", "under_review")
        page.fill("#d-reason", "requested drone footage")
        page.click("#decide button")
        page.wait_for_function("document.querySelector('#status').textContent === 'under_review'")
        assert "requested drone footage" in page.inner_text("#decisions")


def test_a_page_asked_for_is_not_drawn_over_by_an_earlier_slower_one(site: tuple[str, Served]) -> None:
    """Signing in redraws the map; an incident page asked for before the map's answer comes must stay when
    that answer comes (the map's incident list is held back here until the incident page is shown)."""
    base, s = site
    inc = s.client.get("/api/v1/incidents", params={"outcome": "violation"}, headers=s.headers("analyst")).json()
    target = inc["incidents"][0]["id"]
    held: list = []  # type: ignore[type-arg]
    with browser_page() as page:
        page.route(lambda url: "/api/v1/incidents?" in url, lambda route: held.append(route))
        page.goto(base + "/")
        page.wait_for_selector("#login")
        _sign_in(page, s.tokens["analyst"])
        page.goto(f"{base}/#/incident/{target}")
        page.wait_for_selector("#decide")
        assert held  # the map's lists, not answered yet
        for route in held:
            with page.expect_response(lambda r: "/api/v1/incidents?" in r.url):
                route.continue_()
        page.evaluate("() => new Promise((done) => setTimeout(done, 500))")  # the answers handled
        assert page.locator("#decide").is_visible() and page.locator("svg#map").count() == 0


def test_party_liaison_files_a_complaint(site: tuple[str, Served]) -> None:
    base, s = site
    with browser_page() as page:
        page.goto(base + "/")
        _sign_in(page, s.tokens["party"])
        assert page.locator("a[href='#/complain']").is_visible()
        assert not page.locator("a[href='#/observe']").is_visible()
        page.click("a[href='#/complain']")
        page.fill("#o-lat", "51.21")
        page.fill("#o-lon", "35.31")
        page.fill("#o-text", "shelling hit the school")
        page.click("#obs-form button[type=submit]")
        page.wait_for_selector("#o-msg .msg.ok")


def test_monitor_form_works_on_a_phone_screen(site: tuple[str, Served], tmp_path: Path) -> None:
    base, s = site
    with browser_page(390, 844) as page:
        page.goto(base + "/")
        _sign_in(page, s.tokens["monitor"])
        page.click("a[href='#/observe']")
        page.wait_for_selector("#obs-form")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        box = page.locator("#o-lat").bounding_box()
        assert box and box["width"] > 250  # full-width inputs, easy to hit with a thumb
        page.select_option("#o-type", "heavy_weapon")
        page.select_option("#o-source", "drone")
        page.fill("#o-lat", "51.25")
        page.fill("#o-lon", "35.55")
        page.select_option("#o-weapon", "artillery")
        page.fill("#o-count", "2")
        page.click("#obs-form button[type=submit]")
        page.wait_for_selector("#o-msg .msg.ok")
        png = page.screenshot(full_page=True)
        (tmp_path / "phone.png").write_bytes(png)
        assert_not_blank(png)
    from sqlalchemy import select

    from trucewatch.store import schema as t

    with s.mission.engine.connect() as conn:
        rows = conn.execute(select(t.observations.c.type, t.observations.c.imported_by)
                            .where(t.observations.c.id.like("web-%"))).all()  # fmt: skip
    assert ("heavy_weapon", "monitor-1") in [tuple(r) for r in rows]
