"""The daily report as a reader sees it, in a real headless Chromium with no network."""

from __future__ import annotations

from pathlib import Path

import pytest

from .browser import assert_not_blank, browser_page


@pytest.mark.browser
def test_report_renders_with_map_and_chart_offline(cli, small_scenario: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "reports"
    assert cli("report", small_scenario, "--out", out).code == 0
    day = sorted(out.glob("day-*.html"))[2]
    requests: list[str] = []
    with browser_page() as page:
        page.on("request", lambda r: requests.append(r.url))  # type: ignore[attr-defined]
        page.goto(day.as_uri())  # type: ignore[attr-defined]
        widths = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")  # type: ignore[attr-defined]
        assert len(widths) == 2 and all(w > 300 for w in widths)  # the map and the trend chart decoded
        assert page.locator("h2", has_text="Incidents").count() == 1  # type: ignore[attr-defined]
        first = page.locator("table tr[id^='I-'] a").first  # type: ignore[attr-defined]
        first.click()
        assert page.evaluate("location.hash").startswith("#obs-I-")  # type: ignore[attr-defined]
        png = page.screenshot(full_page=True)  # type: ignore[attr-defined]
    (tmp_path / "day.png").write_bytes(png)
    assert_not_blank(png)
    assert all(u.startswith(("file://", "data:")) for u in requests), requests
