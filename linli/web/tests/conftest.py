from __future__ import annotations

import pytest


@pytest.fixture
def demo_city(live_city):
    """Browser tests here see the demo city through the live server (see linli/conftest.py)."""
    return live_city
