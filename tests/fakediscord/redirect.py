"""Point discord.py at a FakeDiscord from the outside.

discord.py has exactly two hard-wired Discord addresses that a bot uses:

* ``discord.http.Route.BASE`` (``https://discord.com/api/v10``): every REST
  call, including interaction callbacks and webhook followups, builds its URL
  from it when the ``Route`` is created.
* ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (a :class:`yarl.URL`):
  a plain ``Client`` connects there without asking ``GET /gateway``, and every
  client (sharded ones too) falls back to it after an INVALID SESSION.  Resumes
  use READY's ``resume_gateway_url``, which the fake points at itself.

Both are class attributes, so patching them redirects every client in the
process; the product needs no test-only code path.  Patch before the client
starts and undo after it has closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

if TYPE_CHECKING:
    from tests.fakediscord.server import FakeDiscord

__all__ = ["apply_redirect", "gateway_url_for", "redirect_discord"]

_API_PATH = "/api/v10"


def gateway_url_for(base_url: str) -> str:
    """Return the fake's gateway URL for its base URL.

    ``http://127.0.0.1:PORT`` becomes ``ws://127.0.0.1:PORT/``: the fake serves
    the gateway websocket at the root of the same port.
    """
    url = yarl.URL(base_url)
    scheme = "wss" if url.scheme == "https" else "ws"
    return str(url.with_scheme(scheme).with_path("/").with_query(None))


def _rest_base_for(base_url: str) -> str:
    """Return ``Route.BASE`` for a base URL (``.../api/v10`` added if missing)."""
    base = base_url.rstrip("/")
    return base if base.endswith(_API_PATH) else base + _API_PATH


def apply_redirect(base_url: str, gateway_url: str | None = None) -> Callable[[], None]:
    """Patch discord.py to use ``base_url``; return a function that undoes it.

    ``base_url`` is the fake's root (``http://127.0.0.1:PORT``) or its API base
    (``.../api/v10``).  ``gateway_url`` defaults to the root of the same port.
    """
    if base_url.endswith(_API_PATH) or base_url.endswith(_API_PATH + "/"):
        root = base_url.rstrip("/")[: -len(_API_PATH)]
    else:
        root = base_url
    previous_base = Route.BASE
    previous_gateway = DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = _rest_base_for(root)
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url or gateway_url_for(root))

    def undo() -> None:
        """Restore the addresses that were in place before the redirect."""
        Route.BASE = previous_base
        DiscordWebSocket.DEFAULT_GATEWAY = previous_gateway

    return undo


@contextmanager
def redirect_discord(target: FakeDiscord | str, gateway_url: str | None = None) -> Iterator[None]:
    """Redirect discord.py to a started FakeDiscord (or a base URL) for a block."""
    base = target if isinstance(target, str) else target.base_url
    if gateway_url is None and not isinstance(target, str):
        gateway_url = target.gateway_url
    undo = apply_redirect(base, gateway_url)
    try:
        yield
    finally:
        undo()
