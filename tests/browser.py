"""Headless Chromium from Debian's package, driven by Playwright through its executable path."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest

CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


def chromium_path() -> str:
    path = os.environ.get("TRUCEWATCH_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.skip("no chromium: run the suite with scripts/run-tests, which installs it")
    return path


@contextmanager
def browser_page(width: int = 1200, height: int = 900) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
        try:
            page = b.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            b.close()


def assert_not_blank(png: bytes) -> None:
    import matplotlib.image as mpimg

    img = mpimg.imread(io.BytesIO(png), format="png")
    rgb = img[..., :3].reshape(-1, 3)
    assert rgb.std() > 0.05, "screenshot is (nearly) one colour"
    assert len(np.unique((rgb * 255).astype(np.uint8), axis=0)) > 50, "screenshot has too few colours"
