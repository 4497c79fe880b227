"""The slash commands, one cog per command: ``/ask`` (:mod:`.ask`) and ``/faq`` (:mod:`.faq`).

Each cog only turns an interaction into a question for the engine and the
:class:`~bot.answer.Answer` into a reply; every word the member sees comes from
the FAQ or its language packs. Command and option names are :func:`named`
and descriptions :func:`described` strings: the English text here is what
Discord shows by default, and the bot's translator
(``bot.client.PackTranslator``) fills in every language that has a pack from
the pack's key when the commands are synced (``faqbot sync``). Discord
always sends the bot the English names, so the code only ever sees those.
"""

from __future__ import annotations

from discord import app_commands


def described(key: str, english: str) -> app_commands.locale_str:
    """A translatable description: ``english`` by default, ``messages[key]`` from each language pack."""
    return app_commands.locale_str(english, key=key)


def named(key: str, english: str) -> app_commands.locale_str:
    """A translatable command or option name: ``english`` by default, ``messages[key]`` from each language pack.

    The loader checks every pack's names against Discord's rules (see
    :data:`bot.faq.COMMAND_NAME_LEVELS`), so the translator can pass them on as they are.
    """
    return app_commands.locale_str(english, key=key)
