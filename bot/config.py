"""Settings for running the Discord bot, read once from the environment and ``.env``.

Every value is validated at start-up; every problem is reported together, each
naming its variable, so a community sets the bot up in one pass. The token is
held in a :class:`Secret`, whose ``repr`` and ``str`` never show it, so it
cannot leak through a log line or a traceback that prints the settings.
``.env.example`` documents every variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bot.engine import default_faq_dir

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
REFERRAL_MAX = 1000
T = TypeVar("T")


class Secret:
    """A value that must never be printed: ``repr`` and ``str`` hide it; :meth:`reveal` returns it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        """Keep ``value`` out of sight."""
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one call that needs it (logging in)."""
        return self._value

    def __repr__(self) -> str:
        """Never the value."""
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        """Secrets compare by value (settings stay comparable in tests)."""
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        """Hash like the value, so a frozen dataclass holding one stays hashable."""
        return hash(self._value)


class ConfigError(Exception):
    """The settings are unusable; carries one line per problem, each naming its variable."""

    def __init__(self, problems: list[str]) -> None:
        """Keep every problem."""
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything ``faqbot run`` and ``faqbot sync`` need, validated."""

    token: Secret
    faq_dir: Path
    seeds_dir: Path | None = None
    moderator_role_ids: frozenset[int] = frozenset()
    default_public: bool = False
    public_allowed: bool = True
    referral: str | None = None
    log_level: str = "INFO"
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    insights_db: Path | None = None
    insights_secret: Secret | None = None
    cooldown_rate: int = 5
    cooldown_per: float = 30.0

    @property
    def sharded(self) -> bool:
        """Whether ``SHARD_COUNT``/``SHARD_IDS`` asked for an auto-sharded client."""
        return self.shard_count is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build and validate the settings from ``env`` (raises :class:`ConfigError`)."""
        return _Reader(env).settings()


def parse_dotenv(text: str) -> dict[str, str]:
    """Parse ``.env`` text: ``KEY=VALUE`` lines, ``#`` comments, optional ``export`` and quotes."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        if key:
            values[key] = value
    return values


def load_environment(environ: Mapping[str, str] | None = None, dotenv: Path = Path(".env")) -> dict[str, str]:
    """The variables from ``dotenv`` (if it exists), overridden by the real environment."""
    merged = parse_dotenv(dotenv.read_text(encoding="utf-8")) if dotenv.is_file() else {}
    merged.update(os.environ if environ is None else environ)
    return merged


class _Reader:
    """Reads typed values from an environment mapping, collecting every problem."""

    def __init__(self, env: Mapping[str, str]) -> None:
        """Read from ``env``."""
        self.env = env
        self.problems: list[str] = []

    def raw(self, name: str) -> str | None:
        """The stripped value of ``name``, or ``None`` when unset or blank."""
        value = self.env.get(name, "").strip()
        return value or None

    def typed(self, name: str, default: T, convert: Callable[[str], T], expected: str) -> T:
        """Convert ``name`` with ``convert``; record a problem (showing the value) if it fails."""
        value = self.raw(name)
        if value is None:
            return default
        try:
            return convert(value)
        except ValueError:
            self.problems.append(f"{name} must be {expected} (got {value!r})")
            return default

    def token(self) -> Secret:
        """``DISCORD_TOKEN``; problems never repeat the value."""
        value = self.raw("DISCORD_TOKEN")
        if value is None:
            self.problems.append(
                "DISCORD_TOKEN is not set: put it in the environment or in .env (see .env.example). "
                'To try the bot offline without Discord, use: faqbot ask "your question"'
            )
            return Secret("")
        if any(ch.isspace() for ch in value) or len(value) < 20:
            self.problems.append("DISCORD_TOKEN does not look like a bot token (copy it again from the Bot page)")
        return Secret(value)

    def insights_db(self) -> Path | None:
        """``INSIGHTS_DB``: the default file when unset, ``None`` (insights off) when set but empty."""
        if "INSIGHTS_DB" in self.env and not self.env["INSIGHTS_DB"].strip():
            return None
        return Path(self.raw("INSIGHTS_DB") or "faqbot-insights.sqlite3")

    def settings(self) -> Settings:
        """Read every variable, then raise all problems at once or return the settings."""
        token = self.token()
        seeds = self.raw("SEEDS_DIR")
        visibility = self.typed("REPLY_VISIBILITY", "private", _choice("private", "public"), "private or public")
        public_allowed = self.typed("ALLOW_PUBLIC_REPLIES", True, _boolean, "true or false")
        if visibility == "public" and not public_allowed:
            self.problems.append("REPLY_VISIBILITY=public needs ALLOW_PUBLIC_REPLIES=true")
        referral = self.raw("REFERRAL_TEXT")
        if referral and len(referral) > REFERRAL_MAX:
            self.problems.append(f"REFERRAL_TEXT is {len(referral)} characters; the limit is {REFERRAL_MAX}")
        shard_count = self.typed("SHARD_COUNT", None, _positive_int, "a whole number of at least 1")
        shard_ids = self.typed("SHARD_IDS", None, _id_tuple, "comma-separated whole numbers, e.g. 0,1")
        if shard_ids is not None and shard_count is None:
            self.problems.append("SHARD_IDS needs SHARD_COUNT (the total number of shards)")
        if shard_ids and shard_count and any(i >= shard_count for i in shard_ids):
            self.problems.append(f"SHARD_IDS must be below SHARD_COUNT ({shard_count})")
        settings = Settings(
            token=token,
            faq_dir=Path(self.raw("FAQ_DIR") or default_faq_dir()),
            seeds_dir=Path(seeds) if seeds else None,
            moderator_role_ids=frozenset(
                self.typed("MODERATOR_ROLE_IDS", (), _id_tuple, "comma-separated role ids (numbers)")
            ),
            default_public=visibility == "public",
            public_allowed=public_allowed,
            referral=referral,
            log_level=self.typed("LOG_LEVEL", "INFO", _choice(*LOG_LEVELS), " or ".join(LOG_LEVELS)),
            shard_count=shard_count,
            shard_ids=shard_ids,
            insights_db=self.insights_db(),
            insights_secret=Secret(secret) if (secret := self.raw("INSIGHTS_SECRET")) else None,
            cooldown_rate=self.typed("COOLDOWN_RATE", 5, _positive_int, "a whole number of at least 1"),
            cooldown_per=self.typed("COOLDOWN_PER", 30.0, _positive_float, "a number of seconds above 0"),
        )
        if self.problems:
            raise ConfigError(self.problems)
        return settings


def _boolean(value: str) -> bool:
    """``true/false``, ``yes/no``, ``1/0``, ``on/off``."""
    folded = value.lower()
    if folded in {"true", "yes", "1", "on"}:
        return True
    if folded in {"false", "no", "0", "off"}:
        return False
    raise ValueError(value)


def _choice(*allowed: str) -> Callable[[str], str]:
    """A converter accepting only ``allowed`` (case-insensitive), returned in its listed form."""

    def convert(value: str) -> str:
        for option in allowed:
            if value.lower() == option.lower():
                return option
        raise ValueError(value)

    return convert


def _positive_int(value: str) -> int:
    """A whole number of at least 1."""
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _positive_float(value: str) -> float:
    """A number above 0."""
    number = float(value)
    if not number > 0 or number == float("inf"):
        raise ValueError(value)
    return number


def _id_tuple(value: str) -> tuple[int, ...]:
    """Comma-separated non-negative whole numbers (role ids, shard ids)."""
    ids = tuple(int(part) for part in value.split(",") if part.strip())
    if any(i < 0 for i in ids):
        raise ValueError(value)
    return ids
