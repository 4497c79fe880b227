"""Pytest fixtures for FakeDiscord, loaded with ``pytest_plugins``.

``fake_discord`` yields a started :class:`FakeDiscord` with discord.py
redirected to it, and undoes both afterwards.  Options for the fake come from
an optional marker::

    @pytest.mark.fakediscord(shard_count=2, interaction_deadline=None)
    async def test_something(fake_discord: FakeDiscord) -> None: ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.fakediscord.redirect import redirect_discord
from tests.fakediscord.server import FakeDiscord

__all__ = ["fake_discord", "pytest_configure"]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``fakediscord`` marker (keyword arguments for FakeDiscord)."""
    config.addinivalue_line("markers", "fakediscord(**options): keyword arguments for the fake_discord fixture")


@pytest_asyncio.fixture
async def fake_discord(request: pytest.FixtureRequest) -> AsyncIterator[FakeDiscord]:
    """A started FakeDiscord with ``Route.BASE``/``DEFAULT_GATEWAY`` pointing at it."""
    marker = request.node.get_closest_marker("fakediscord")
    options = dict(marker.kwargs) if marker is not None else {}
    async with FakeDiscord(**options) as fake:
        with redirect_discord(fake):
            yield fake
