"""Buttons and select menus: "did you mean", and browsing the FAQ by topic.

Every component is a persistent :class:`discord.ui.DynamicItem`: its
``custom_id`` carries only FAQ data (an entry id, a topic slug, a language
code, a page number; the purge button a server id and a deadline), never
anything about a member, so the components keep
working after a restart or a reload. :func:`layout` stops each view before it
is sent, so discord.py keeps no per-message state: the classes registered in
``setup_hook`` (:data:`DYNAMIC_ITEMS`) handle every click.

custom_ids::

    faq:show:<entry>              "did you mean" button: show that entry
    faq:topics:<lang>             "browse topics" button: open the topic browser
    faq:topic:<lang>              topic select: list the chosen topic's questions
    faq:entry:<lang>              question select: show the chosen entry
    faq:nav:<lang>:<topic>:<page> page buttons (empty topic: the topic list)
    faq:purge:<server>:<until>    /faq purge confirmation (bot.cogs.insights.PurgeButton)
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.answer import Answer, clip
from bot.cogs.errors import apologise
from bot.engine import Engine
from bot.faq import BASE_LANGUAGE, FAQ, Entry
from bot.replies import answer_embed, bot_of, log_answer, message, reply_language, send

PAGE_SIZE = 25
"""Discord allows at most 25 options in a select menu."""
BUTTON_LABEL_MAX = 80
OPTION_TEXT_MAX = 100
SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
LANG = r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*"
"""A language pack code (``en``, ``es``, ``pt-br``...)."""


def layout(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view used only as a layout: stopped, so the library stores nothing for it."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view


def entries_by_topic(faq: FAQ) -> dict[str, list[Entry]]:
    """Each topic (in ``topics.yaml`` order) with its entries (in file order); empty topics left out."""
    grouped: dict[str, list[Entry]] = {slug: [] for slug in faq.topics}
    for entry in faq.entries:
        for slug in entry.topics:
            grouped[slug].append(entry)
    return {slug: entries for slug, entries in grouped.items() if entries}


def first_questions(faq: FAQ, limit: int) -> list[Entry]:
    """Up to ``limit`` entries, taking the first of each topic, then the second of each, and so on."""
    columns = list(entries_by_topic(faq).values())
    chosen: dict[str, Entry] = {}
    for row in range(max((len(c) for c in columns), default=0)):
        for column in columns:
            if row < len(column) and len(chosen) < limit:
                chosen.setdefault(column[row].id, column[row])
    return list(chosen.values())


def topic_label(faq: FAQ, slug: str, lang: str) -> str:
    """A topic's label in ``lang`` (falling back to the base language, then the slug)."""
    labels = faq.topics.get(slug, {})
    return labels.get(lang) or labels.get(BASE_LANGUAGE) or slug


def _page(items: list[Any], page: int) -> tuple[list[Any], int, int]:
    """The items on ``page`` (clamped), that page's number and the page count."""
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    return items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE], page, pages


def _nav_buttons(engine: Engine, lang: str, slug: str, page: int, pages: int) -> list[discord.ui.Item[Any]]:
    """Previous/next buttons when there is more than one page."""
    if pages < 2:
        return []
    return [
        NavButton(lang, slug, max(page - 1, 0), message(engine, "button_previous", lang), disabled=page == 0),
        NavButton(
            lang, slug, min(page + 1, pages - 1), message(engine, "button_next", lang), disabled=page == pages - 1
        ),
    ]


def topics_message(engine: Engine, lang: str, page: int = 0) -> tuple[discord.Embed, discord.ui.View]:
    """The topic browser: a select of topics (25 per page)."""
    faq = engine.faq
    slugs, page, pages = _page(list(entries_by_topic(faq)), page)
    options = [discord.SelectOption(label=clip(topic_label(faq, s, lang), OPTION_TEXT_MAX), value=s) for s in slugs]
    select = TopicSelect(lang, options, message(engine, "select_topic_placeholder", lang))
    description = message(engine, "topics_pick", lang)
    if pages > 1:
        description += "\n" + message(engine, "page", lang, page=page + 1, pages=pages)
    embed = discord.Embed(title=message(engine, "topics_title", lang), description=description)
    return embed, layout(select, *_nav_buttons(engine, lang, "", page, pages))


def entries_message(engine: Engine, lang: str, slug: str, page: int = 0) -> tuple[discord.Embed, discord.ui.View]:
    """One topic's questions: listed in the embed and offered in a select (25 per page)."""
    faq = engine.faq
    entries, page, pages = _page(entries_by_topic(faq).get(slug, []), page)
    lines = [f"• {e.text(lang).question}" for e in entries]
    if pages > 1:
        lines.append(message(engine, "page", lang, page=page + 1, pages=pages))
    embed = discord.Embed(
        title=clip(topic_label(faq, slug, lang), 256),
        description=clip("\n".join([message(engine, "topic_questions", lang), "", *lines]), 4096),
    )
    items: list[discord.ui.Item[Any]] = []
    if entries:
        options = [
            discord.SelectOption(label=clip(e.text(lang).question, OPTION_TEXT_MAX), value=e.id) for e in entries
        ]
        items.append(EntrySelect(lang, options, message(engine, "select_entry_placeholder", lang)))
    items += _nav_buttons(engine, lang, slug, page, pages)
    items.append(NavButton(lang, "", 0, message(engine, "button_all_topics", lang)))
    return embed, layout(*items)


def answer_view(engine: Engine, answer: Answer) -> discord.ui.View | None:
    """The components under an answer: "did you mean" buttons; or any related entries and a way to browse the topics."""
    shown = (ShowEntryButton(s.id, s.question) for s in answer.suggestions)
    if answer.status == "suggest":
        return layout(*shown)
    if answer.status == "none":
        return layout(*shown, BrowseTopicsButton(answer.lang, message(engine, "button_browse_topics", answer.lang)))
    return None


def suggestion_view(engine: Engine, entry_ids: list[str], lang: str) -> discord.ui.View | None:
    """Buttons offering known entries as "did you mean" (``None`` if there are none)."""
    entries = [engine.faq.by_id[i] for i in entry_ids if i in engine.faq.by_id]
    return layout(*(ShowEntryButton(e.id, e.text(lang).question) for e in entries)) if entries else None


async def show_entry(
    interaction: discord.Interaction, entry_id: str, lang: str, *, record: bool, engine: Engine | None = None
) -> None:
    """Reply privately with one entry's answer; with ``record``, announce it to listeners (insights).

    ``entry_id`` is re-validated against ``engine`` (default: the live one): a
    button may outlive the entry it names.
    """
    client = bot_of(interaction)
    engine = engine or client.engine
    guild = await client.guild_settings.get(interaction.guild_id)
    answer = engine.show(entry_id, lang=lang, referral=guild.referral)
    if answer is None:
        await send(interaction, content=message(engine, "no_such_entry", lang))
        return
    await send(interaction, embed=answer_embed(answer))
    log_answer("show", answer, interaction)
    if record:
        client.dispatch("faq_answer", interaction.guild_id, answer, interaction.locale)


class Component:
    """Shared by every component: a failure gets a private apology, not "This interaction failed"."""

    async def callback(self, interaction: discord.Interaction) -> None:
        """Run :meth:`respond`, answering any failure."""
        try:
            await self.respond(interaction)
        except Exception as error:  # the boundary: discord.py would only log it
            await apologise(interaction, error, type(self).__name__)

    async def respond(self, interaction: discord.Interaction) -> None:
        """Handle the click or choice."""
        raise NotImplementedError


class ShowEntryButton(Component, discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"faq:show:(?P<id>{SLUG})"):
    """A "did you mean" button: shows that entry privately to whoever clicks it."""

    def __init__(self, entry_id: str, label: str) -> None:
        """A button for ``entry_id`` labelled with its question."""
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=clip(label, BUTTON_LABEL_MAX), style=discord.ButtonStyle.primary, custom_id=f"faq:show:{entry_id}"
        )
        super().__init__(button)
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ShowEntryButton:
        """Rebuild the button from a click (its label says which language it was shown in)."""
        return cls(match["id"], getattr(item, "label", None) or match["id"])

    async def respond(self, interaction: discord.Interaction) -> None:
        """Show the entry in the language of the clicked question, else the member's locale."""
        lang = reply_language(bot_of(interaction).engine, interaction, self.item.label or "")
        await show_entry(interaction, self.entry_id, lang, record=True)


class BrowseTopicsButton(
    Component, discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"faq:topics:(?P<lang>{LANG})"
):
    """Opens the topic browser in a new private message."""

    def __init__(self, lang: str, label: str) -> None:
        """A button opening the browser in ``lang``."""
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=clip(label, BUTTON_LABEL_MAX), style=discord.ButtonStyle.secondary, custom_id=f"faq:topics:{lang}"
        )
        super().__init__(button)
        self.lang = lang

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> BrowseTopicsButton:
        """Rebuild the button from a click."""
        return cls(match["lang"], getattr(item, "label", None) or "…")

    async def respond(self, interaction: discord.Interaction) -> None:
        """Send the first page of topics."""
        embed, view = topics_message(bot_of(interaction).engine, self.lang)
        await send(interaction, embed=embed, view=view)


class TopicSelect(Component, discord.ui.DynamicItem[discord.ui.Select[Any]], template=rf"faq:topic:(?P<lang>{LANG})"):
    """The topic select: choosing a topic turns the browser into that topic's question list."""

    def __init__(self, lang: str, options: list[discord.SelectOption], placeholder: str) -> None:
        """A select over ``options`` (topic slugs)."""
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=f"faq:topic:{lang}", options=options, placeholder=clip(placeholder, 150)
        )
        super().__init__(select)
        self.lang = lang

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> TopicSelect:
        """Rebuild the select from a choice (the chosen value arrives with the interaction)."""
        return cls(match["lang"], list(getattr(item, "options", [])), getattr(item, "placeholder", None) or "…")

    async def respond(self, interaction: discord.Interaction) -> None:
        """Replace the browser with the chosen topic's questions."""
        embed, view = entries_message(bot_of(interaction).engine, self.lang, self.item.values[0])
        await interaction.response.edit_message(embed=embed, view=view)


class EntrySelect(Component, discord.ui.DynamicItem[discord.ui.Select[Any]], template=rf"faq:entry:(?P<lang>{LANG})"):
    """The question select: choosing a question shows its answer privately."""

    def __init__(self, lang: str, options: list[discord.SelectOption], placeholder: str) -> None:
        """A select over ``options`` (entry ids)."""
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=f"faq:entry:{lang}", options=options, placeholder=clip(placeholder, 150)
        )
        super().__init__(select)
        self.lang = lang

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> EntrySelect:
        """Rebuild the select from a choice."""
        return cls(match["lang"], list(getattr(item, "options", [])), getattr(item, "placeholder", None) or "…")

    async def respond(self, interaction: discord.Interaction) -> None:
        """Show the chosen entry (re-validated: it may have been removed by a reload)."""
        await show_entry(interaction, self.item.values[0], self.lang, record=False)


class NavButton(
    Component,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"faq:nav:(?P<lang>{LANG}):(?P<topic>(?:{SLUG})?):(?P<page>\d{{1,4}})",
):
    """A page button of the browser: the topic list (empty topic) or one topic's questions."""

    def __init__(self, lang: str, topic: str, page: int, label: str, *, disabled: bool = False) -> None:
        """A button leading to ``page`` of ``topic`` (or of the topic list)."""
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=clip(label, BUTTON_LABEL_MAX),
            style=discord.ButtonStyle.secondary,
            custom_id=f"faq:nav:{lang}:{topic}:{page}",
            disabled=disabled,
        )
        super().__init__(button)
        self.lang, self.topic, self.page = lang, topic, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> NavButton:
        """Rebuild the button from a click."""
        return cls(match["lang"], match["topic"], int(match["page"]), getattr(item, "label", None) or "…")

    async def respond(self, interaction: discord.Interaction) -> None:
        """Show the page this button leads to, in place."""
        engine = bot_of(interaction).engine
        if self.topic:
            embed, view = entries_message(engine, self.lang, self.topic, self.page)
        else:
            embed, view = topics_message(engine, self.lang, self.page)
        await interaction.response.edit_message(embed=embed, view=view)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    ShowEntryButton,
    BrowseTopicsButton,
    TopicSelect,
    EntrySelect,
    NavButton,
)
"""Registered with ``client.add_dynamic_items`` in ``setup_hook``."""
