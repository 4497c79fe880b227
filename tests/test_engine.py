"""The engine's life cycle: no reference cycles, and reloads that leave the event loop answering."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import engine as engine_module
from bot.engine import Engine, load_in_thread
from bot.errors import FAQLoadError
from tests.conftest import SHIPPED_FAQ, FAQBuilder


@pytest.fixture
def collector() -> Iterator[None]:
    """Start with the collector on and nothing frozen, and leave it that way."""
    gc.unfreeze()
    gc.enable()
    yield
    gc.unfreeze()
    gc.enable()


def test_an_engine_holds_no_reference_cycles() -> None:
    # load_in_thread freezes the heap, which is safe only if reference counting alone frees an old engine.
    gc.collect()
    gc.disable()
    try:
        engine = Engine.load(SHIPPED_FAQ)
        for question in ("is an ice hold mandatory?", "la migra puede entrar a mi casa", "weather today", "ftca"):
            engine.ask(question)  # fills the engine's cache of resolved citations
        engine.show(engine.faq.entries[0].id, lang="es")
        del engine
        left_for_the_cycle_collector = gc.collect()
    finally:
        gc.enable()
    assert left_for_the_cycle_collector == 0


async def test_a_reload_pauses_collection_then_freezes_the_heap(
    make_faq: FAQBuilder, collector: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_faq()
    old = Engine.load(folder)
    seen: list[bool] = []
    load = Engine.load

    def watched(*args: object, **kwargs: object) -> Engine:
        seen.append(gc.isenabled())
        return load(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Engine, "load", watched)
    new = await load_in_thread(folder, None, previous=old)
    assert seen == [False], "automatic collection runs during the load"
    assert gc.isenabled() and gc.get_freeze_count() > 0
    assert new.ask("is an ICE hold mandatory?").entry_id == old.ask("is an ICE hold mandatory?").entry_id


async def test_a_refused_reload_turns_collection_back_on_and_freezes_nothing(
    make_faq: FAQBuilder, collector: None, tmp_path: Path
) -> None:
    old = Engine.load(make_faq())
    with pytest.raises(FAQLoadError):
        await load_in_thread(tmp_path / "missing", None, previous=old)
    assert gc.isenabled() and gc.get_freeze_count() == 0


async def test_a_reload_leaves_a_disabled_collector_disabled(make_faq: FAQBuilder, collector: None) -> None:
    folder = make_faq()
    gc.disable()
    await load_in_thread(folder, None, previous=Engine.load(folder))
    assert not gc.isenabled()


async def test_the_heap_is_unfrozen_once_the_replies_in_flight_are_done(
    make_faq: FAQBuilder, collector: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Frozen garbage is never collected: an interaction in flight at the freeze must not stay in memory for good.
    monkeypatch.setattr(engine_module, "THAW_AFTER", 0.05)
    folder = make_faq()
    await load_in_thread(folder, None, previous=Engine.load(folder))
    assert gc.get_freeze_count() > 0
    await asyncio.sleep(0.2)
    assert gc.get_freeze_count() == 0


async def test_a_second_reload_moves_the_thaw_instead_of_adding_one(
    make_faq: FAQBuilder, collector: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first reload's thaw must not end the second reload's freeze early.
    monkeypatch.setattr(engine_module, "THAW_AFTER", 0.6)
    folder = make_faq()
    old = Engine.load(folder)
    await load_in_thread(folder, None, previous=old)
    await asyncio.sleep(0.4)
    await load_in_thread(folder, None, previous=old)
    await asyncio.sleep(0.4)  # 0.2 s past the first reload's thaw time, 0.2 s before the second's
    assert gc.get_freeze_count() > 0
    await asyncio.sleep(0.5)
    assert gc.get_freeze_count() == 0
