"""Moderator insights without surveillance: aggregate counters, opt-in scrubbed gaps, per-server settings.

Nothing in this package imports discord; the cog in :mod:`bot.cogs.insights`
and the ``faqbot stats``/``gaps`` commands are thin layers over it.
"""
