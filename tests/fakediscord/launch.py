"""Run the product's CLI against a FakeDiscord, in a subprocess.

Usage::

    python -m tests.fakediscord.launch --base http://127.0.0.1:PORT -- run ...

It applies :func:`tests.fakediscord.redirect.apply_redirect` and then calls
the entry point (default ``bot.cli:main``, imported only at that moment) with
the arguments after ``--``; its return value is the exit status.  ``--entry
module:function`` runs another ``main(argv) -> int`` instead, which is how this
package's own tests run :mod:`tests.fakediscord.minimal` in a subprocess.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

from tests.fakediscord.redirect import apply_redirect

DEFAULT_ENTRY = "bot.cli:main"
"""The product's console entry point: ``main(argv: list[str] | None) -> int``."""


async def spawn(
    base_url: str,
    argv: Sequence[str],
    *,
    env: dict[str, str],
    cwd: Path,
    stdout: Any = None,
    stderr: Any = None,
    entry: str = DEFAULT_ENTRY,
) -> asyncio.subprocess.Process:
    """Start ``faqbot <argv>`` (or another ``entry``) in a subprocess through this launcher, pointed at the fake."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakediscord.launch",
        "--base",
        base_url,
        "--entry",
        entry,
        "--",
        *argv,
        cwd=cwd,
        env=env,
        stdout=stdout,
        stderr=stderr,
    )


def _parse(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Split the launcher's own options from the product's argv (after ``--``)."""
    args = list(argv)
    if "--" in args:
        split = args.index("--")
        own, rest = args[:split], args[split + 1 :]
    else:
        own, rest = args, []
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakediscord.launch",
        description="Run a discord.py entry point against a FakeDiscord.",
    )
    parser.add_argument("--base", required=True, help="the fake's http://127.0.0.1:PORT")
    parser.add_argument("--gateway", default=None, help="gateway URL (default: ws://same-port/)")
    parser.add_argument("--entry", default=DEFAULT_ENTRY, help="module:function to call")
    return parser.parse_args(own), rest


def _load_entry(spec: str) -> Callable[[list[str] | None], int]:
    """Import ``module:function`` lazily and return the function."""
    module_name, _, function_name = spec.partition(":")
    if not module_name or not function_name:
        raise SystemExit(f"--entry must look like module:function, got {spec!r}")
    module = importlib.import_module(module_name)
    return cast(Callable[[list[str] | None], int], getattr(module, function_name))


def main(argv: Sequence[str] | None = None) -> int:
    """Apply the redirect, then run the entry point with the remaining argv."""
    options, rest = _parse(sys.argv[1:] if argv is None else argv)
    apply_redirect(options.base, options.gateway)
    entry = _load_entry(options.entry)
    return int(entry(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
