"""A crash of the conflict check is shown on the pages, not turned into a broken page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.web import view_models


def test_pages_still_render_when_the_conflict_check_crashes(
    seeded: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_catalog: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(view_models, "findings_for", broken)
    seeded.app.state.web.views = view_models.ViewCache()  # type: ignore[attr-defined]
    for url in ("/", "/m/growth/paying_users", "/conflicts"):
        response = seeded.get(url, headers={"Accept-Language": "en"})
        assert response.status_code == 200, url
    assert "The conflict check failed" in response.text and "boom" in response.text
    seeded.app.state.web.views = view_models.ViewCache()  # type: ignore[attr-defined]
