"""The AARRR fixture catalog (tests/fixtures/aarrr), linted once and shared by the AARRR unit tests."""

from __future__ import annotations

from functools import cache

from engines.aarrr.dataset import fixture_catalog

aarrr_catalog = cache(fixture_catalog)
