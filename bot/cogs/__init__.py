"""The slash commands, one cog per command: ``/ask`` (:mod:`.ask`) and ``/faq`` (:mod:`.faq`).

Each cog only turns an interaction into a question for the engine and the
:class:`~bot.answer.Answer` into a reply; every word the member sees comes from
the FAQ or its language packs. Command and option descriptions are
:func:`described` strings: the English text here is what Discord shows by
default, and the bot's translator (``bot.client.PackTranslator``) fills in
every other language from the language pack key.
"""

from __future__ import annotations

from discord import app_commands


def described(key: str, english: str) -> app_commands.locale_str:
    """A translatable description: ``english`` by default, ``messages[key]`` from each language pack."""
    return app_commands.locale_str(english, key=key)
