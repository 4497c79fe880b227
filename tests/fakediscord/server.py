"""A loopback fake of Discord's gateway websocket and REST API.

``FakeDiscord`` is an :mod:`aiohttp.web` server bound to ``127.0.0.1`` on an
ephemeral port.  The *real* discord.py client talks to it exactly as it would
talk to Discord once it has been pointed at it (see
:mod:`tests.fakediscord.redirect`):

* ``/`` is the gateway websocket (JSON encoding, uncompressed text frames).
* ``/api/v10/...`` is the REST API (``discord.http.Route.BASE``).

What a test typically does::

    async with FakeDiscord() as fake:
        with redirect_discord(fake):
            ...  # start a discord.py client, with any token
            await fake.wait_until_ready()
            payload = fake.slash_command("ping")
            await fake.dispatch_interaction(payload)
            body = await fake.wait_for_callback(payload["id"])
            assert body["type"] == 4

Every REST request is recorded (:attr:`FakeDiscord.requests`), including the
ones for routes the fake does not know (answered with a 404 JSON body, see
:attr:`FakeDiscord.unknown_requests`).  Faults can be injected: HTTP 429 on
chosen routes (:meth:`FakeDiscord.rate_limit_next`) and gateway disconnects
(:meth:`FakeDiscord.drop_gateway`).

Where the fake enforces a Discord rule (3-second interaction deadline,
2000-character message content, 25 autocomplete choices, ...), it answers
with the same status code and JSON error code Discord uses, so the product's
error handling is exercised for real.

Only the parts of Discord a slash-command bot touches are implemented; the
rest answers 404 and is recorded so a test can notice.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import math
import re
import secrets
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

__all__ = [
    "API_VERSION",
    "DEFAULT_APP_PERMISSIONS",
    "DEFAULT_MEMBER_PERMISSIONS",
    "FakeDiscord",
    "FakeDiscordCounters",
    "FakeDiscordTimeout",
    "FakeGuild",
    "GatewaySession",
    "RecordedFile",
    "RecordedRequest",
    "make_snowflake",
]

_log = logging.getLogger(__name__)

JSON = dict[str, Any]
"""A decoded JSON object, as Discord sends and receives them."""

API_VERSION = 10
"""The REST/gateway API version discord.py 2.x speaks."""

API_PREFIX = f"/api/v{API_VERSION}"
"""Path prefix of every REST route; ``Route.BASE`` ends with it."""

DISCORD_EPOCH_MS = 1_420_070_400_000
"""Discord's snowflake epoch (2015-01-01T00:00:00Z) in milliseconds."""

# Permission bits (https://discord.com/developers/docs/topics/permissions).
_ADMINISTRATOR = 1 << 3
_ADD_REACTIONS = 1 << 6
_VIEW_CHANNEL = 1 << 10
_SEND_MESSAGES = 1 << 11
_EMBED_LINKS = 1 << 14
_ATTACH_FILES = 1 << 15
_READ_MESSAGE_HISTORY = 1 << 16
_USE_EXTERNAL_EMOJIS = 1 << 18
_USE_APPLICATION_COMMANDS = 1 << 31
_SEND_MESSAGES_IN_THREADS = 1 << 38

DEFAULT_MEMBER_PERMISSIONS = (
    _ADD_REACTIONS
    | _VIEW_CHANNEL
    | _SEND_MESSAGES
    | _EMBED_LINKS
    | _ATTACH_FILES
    | _READ_MESSAGE_HISTORY
    | _USE_EXTERNAL_EMOJIS
    | _USE_APPLICATION_COMMANDS
    | _SEND_MESSAGES_IN_THREADS
)
"""What an ordinary member may do in the default channel (no admin rights)."""

DEFAULT_APP_PERMISSIONS = DEFAULT_MEMBER_PERMISSIONS
"""What the bot itself may do in the channel (``app_permissions``)."""

_ADMIN_PERMISSIONS = (1 << 53) - 1
"""All permission bits: what Discord reports for an administrator."""

# Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
_OP_DISPATCH = 0
_OP_HEARTBEAT = 1
_OP_IDENTIFY = 2
_OP_PRESENCE_UPDATE = 3
_OP_VOICE_STATE_UPDATE = 4
_OP_RESUME = 6
_OP_RECONNECT = 7
_OP_REQUEST_GUILD_MEMBERS = 8
_OP_INVALID_SESSION = 9
_OP_HELLO = 10
_OP_HEARTBEAT_ACK = 11

# Gateway close codes used by the fake.
_CLOSE_UNKNOWN_OPCODE = 4001
_CLOSE_DECODE_ERROR = 4002
_CLOSE_NOT_AUTHENTICATED = 4003
_CLOSE_AUTHENTICATION_FAILED = 4004
_CLOSE_ALREADY_AUTHENTICATED = 4005
_CLOSE_INVALID_SHARD = 4010
_CLOSE_DISALLOWED_INTENTS = 4014
_CLOSES_THAT_END_THE_SESSION = frozenset({4007, 4009})
"""Close codes after which Discord refuses a RESUME (invalid seq, timeout)."""

# Interaction types and callback types.
_PING = 1
_APPLICATION_COMMAND = 2
_MESSAGE_COMPONENT = 3
_AUTOCOMPLETE = 4
_MODAL_SUBMIT = 5
_CALLBACK_MESSAGE = 4
_CALLBACK_DEFERRED_MESSAGE = 5
_CALLBACK_DEFERRED_UPDATE = 6
_CALLBACK_UPDATE_MESSAGE = 7
_CALLBACK_AUTOCOMPLETE_RESULT = 8
_CALLBACK_MODAL = 9
_CALLBACK_LAUNCH_ACTIVITY = 12
_ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    _APPLICATION_COMMAND: frozenset(
        {
            _CALLBACK_MESSAGE,
            _CALLBACK_DEFERRED_MESSAGE,
            _CALLBACK_MODAL,
            _CALLBACK_LAUNCH_ACTIVITY,
        }
    ),
    _MESSAGE_COMPONENT: frozenset(
        {
            _CALLBACK_MESSAGE,
            _CALLBACK_DEFERRED_MESSAGE,
            _CALLBACK_DEFERRED_UPDATE,
            _CALLBACK_UPDATE_MESSAGE,
            _CALLBACK_MODAL,
            _CALLBACK_LAUNCH_ACTIVITY,
        }
    ),
    _AUTOCOMPLETE: frozenset({_CALLBACK_AUTOCOMPLETE_RESULT}),
    _MODAL_SUBMIT: frozenset(
        {
            _CALLBACK_MESSAGE,
            _CALLBACK_DEFERRED_MESSAGE,
            _CALLBACK_DEFERRED_UPDATE,
            _CALLBACK_UPDATE_MESSAGE,
        }
    ),
}
"""Which callback types Discord accepts for each interaction type."""

# Message flags.
_FLAG_EPHEMERAL = 1 << 6
_FLAG_LOADING = 1 << 7

# Message types.
_MESSAGE_DEFAULT = 0
_MESSAGE_CHAT_INPUT_COMMAND = 20

# Application command option types.
_OPTION_SUB_COMMAND = 1
_OPTION_SUB_COMMAND_GROUP = 2
_OPTION_STRING = 3
_OPTION_INTEGER = 4
_OPTION_BOOLEAN = 5
_OPTION_NUMBER = 10

_SELECT_COMPONENT_TYPES = frozenset({3, 5, 6, 7, 8})
"""Component types that carry ``values`` (string/user/role/mentionable/channel)."""

_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
"""Discord's command/option name rule (letters, digits, ``-`` and ``_``)."""

_BODY_JSON = web.RequestKey("fakediscord_json", object)
"""Where the middleware leaves the parsed JSON body for the handlers."""

_BODY_FILES = web.RequestKey("fakediscord_files", list)
"""Where the middleware leaves the uploaded files for the handlers."""

_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
"""Upload limit Discord reports for a guild without boosts."""


def _utcnow_iso() -> str:
    """Return the current UTC time in Discord's ISO-8601 format."""
    return datetime.datetime.now(datetime.UTC).isoformat()


class _SnowflakeFactory:
    """Generates unique, time-ordered Discord snowflakes.

    A snowflake is ``(ms since Discord epoch) << 22 | worker << 17 |
    process << 12 | increment``.  discord.py derives ``created_at`` from it,
    so ids made here look as fresh as real ones.
    """

    def __init__(self) -> None:
        """Start with no id handed out yet."""
        self._last_ms = 0
        self._increment = 0

    def next(self, timestamp_ms: int | None = None) -> int:
        """Return a new snowflake for ``timestamp_ms`` (default: now).

        With an explicit timestamp the id is deterministic apart from the
        increment; without one, ids are strictly increasing.
        """
        if timestamp_ms is not None:
            self._increment = (self._increment + 1) & 0xFFF
            return ((timestamp_ms - DISCORD_EPOCH_MS) << 22) | (1 << 17) | self._increment
        now_ms = int(time.time() * 1000)
        if now_ms <= self._last_ms:
            self._increment += 1
            if self._increment > 0xFFF:
                self._last_ms += 1
                self._increment = 0
        else:
            self._last_ms = now_ms
            self._increment = 0
        return ((self._last_ms - DISCORD_EPOCH_MS) << 22) | (1 << 17) | self._increment


_snowflakes = _SnowflakeFactory()


def make_snowflake(timestamp_ms: int | None = None) -> int:
    """Return a fresh, realistic Discord snowflake.

    ``timestamp_ms`` (Unix milliseconds) pins the time part, which is how a
    test picks guild ids that land on a given shard:
    ``(guild_id >> 22) % shard_count`` is the shard.
    """
    return _snowflakes.next(timestamp_ms)


@dataclass
class FakeGuild:
    """A guild the fake bot is a member of.

    It is announced in READY (as unavailable) and then with a full
    GUILD_CREATE on the shard that owns it.  Interactions built for it use
    its text channel and locale.  ``roles`` maps role ids to names (besides
    ``@everyone``, whose id is the guild id); discord.py only reports a
    member's role if the guild has it, so give a member roles from here (or
    add one at run time with :meth:`FakeDiscord.create_role`).
    """

    id: int = field(default_factory=make_snowflake)
    name: str = "Fake Guild"
    locale: str = "en-US"
    channel_id: int = field(default_factory=make_snowflake)
    channel_name: str = "general"
    owner_id: int = field(default_factory=make_snowflake)
    member_count: int = 2
    roles: dict[int, str] = field(default_factory=dict)

    def shard_id(self, shard_count: int) -> int:
        """Return the shard that receives this guild's events."""
        return (self.id >> 22) % shard_count


@dataclass(frozen=True)
class RecordedFile:
    """One file part of a multipart REST request (an upload)."""

    field_name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class RecordedRequest:
    """One REST request the fake received, and what it answered.

    ``path`` is relative to the API base (``/users/@me``, not
    ``/api/v10/users/@me``); ``json`` is the parsed JSON body, or the
    ``payload_json`` part of a multipart body, or ``None``.  ``route`` is the
    matched route template, ``None`` for a route the fake does not know.
    ``time`` is :func:`time.monotonic` at arrival.
    """

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    json: Any
    files: tuple[RecordedFile, ...]
    status: int
    time: float
    route: str | None
    rate_limited: bool = False

    @property
    def unknown(self) -> bool:
        """True when no route of the fake matched this request."""
        return self.route is None


@dataclass
class FakeDiscordCounters:
    """How often things happened; fault counters count injected faults."""

    identifies: int = 0
    resumes: int = 0
    heartbeats: int = 0
    events_dispatched: int = 0
    interactions_dispatched: int = 0
    rate_limits_served: int = 0
    gateway_drops: int = 0
    sessions_invalidated: int = 0
    reconnects_requested: int = 0
    events_replayed: int = 0


class FakeDiscordTimeout(TimeoutError):
    """A ``wait_*`` helper of :class:`FakeDiscord` gave up.

    The message says what was awaited and lists the last requests, which is
    usually enough to see what the bot did instead.
    """


@dataclass(eq=False)
class _Connection:
    """One open gateway websocket."""

    ws: web.WebSocketResponse
    query: Mapping[str, str]
    session: GatewaySession | None = None
    closed_by_server: bool = False


@dataclass(eq=False)
class GatewaySession:
    """A gateway session (one per identified shard), resumable after a drop.

    Every dispatched event is kept in ``backlog`` so that a RESUME can replay
    what the client missed, like Discord does.
    """

    session_id: str
    shard_id: int
    shard_count: int
    identify: JSON
    backlog: deque[JSON]
    seq: int = 0
    resumable: bool = True
    connection: _Connection | None = None
    presence: JSON | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def connected(self) -> bool:
        """True while a websocket is attached to this session."""
        return self.connection is not None and not self.connection.ws.closed


@dataclass
class _Interaction:
    """An interaction the fake dispatched, tracked until it is answered."""

    id: str
    token: str
    type: int
    created: float
    payload: JSON
    acknowledged: bool = False
    callback_type: int | None = None
    original_message_id: str | None = None


@dataclass
class _RateLimitRule:
    """A pending injected 429 (see :meth:`FakeDiscord.rate_limit_next`)."""

    method: str
    path: re.Pattern[str]
    retry_after: float
    remaining: int
    is_global: bool


def _dumps(data: Any) -> str:
    """Serialise ``data`` to compact JSON, as Discord does."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    """Return a JSON response discord.py will decode.

    discord.py only parses a body as JSON when Content-Type is *exactly*
    ``application/json``; :func:`aiohttp.web.json_response` appends
    ``; charset=utf-8`` and would make it see a string.
    """
    all_headers = {"Content-Type": "application/json"}
    if headers:
        all_headers.update(headers)
    return web.Response(body=_dumps(data).encode(), status=status, headers=all_headers)


def _error(status: int, code: int, message: str, errors: JSON | None = None) -> web.Response:
    """Return a Discord-style JSON error (``{"code": ..., "message": ...}``)."""
    body: JSON = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return _json_response(body, status)


def _form_error(errors: JSON) -> web.Response:
    """Return Discord's 400 "Invalid Form Body" (code 50035) with ``errors``."""
    return _error(400, 50035, "Invalid Form Body", errors)


def _field_error(code: str, message: str) -> JSON:
    """Return one leaf of an "Invalid Form Body" error tree."""
    return {"_errors": [{"code": code, "message": message}]}


def _truthy(value: str | None) -> bool:
    """Interpret a query-string flag like ``wait=1`` or ``with_response=true``."""
    return value is not None and value.lower() in ("1", "true", "yes")


def _role_payload(role_id: int, name: str, position: int, permissions: int) -> JSON:
    """A role object as GUILD_CREATE and GUILD_ROLE_CREATE carry it."""
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }


def _option_type_for(value: Any) -> int:
    """Guess an application-command option type from a Python value."""
    if isinstance(value, bool):
        return _OPTION_BOOLEAN
    if isinstance(value, int):
        return _OPTION_INTEGER
    if isinstance(value, float):
        return _OPTION_NUMBER
    return _OPTION_STRING


def _contains_custom_id(components: Iterable[Any], custom_id: str) -> bool:
    """Tell whether a (nested) component list has ``custom_id`` anywhere."""
    for component in components:
        if not isinstance(component, dict):
            continue
        if component.get("custom_id") == custom_id:
            return True
        children = component.get("components")
        if isinstance(children, list) and _contains_custom_id(children, custom_id):
            return True
        accessory = component.get("accessory")
        if isinstance(accessory, dict) and _contains_custom_id([accessory], custom_id):
            return True
    return False


def _validate_message(data: JSON) -> JSON:
    """Check message limits Discord enforces; return an error tree or ``{}``.

    Covers content length, embed counts and sizes, and component rows: the
    limits a FAQ bot is most likely to hit with long answers.
    """
    errors: JSON = {}
    content = data.get("content")
    if isinstance(content, str) and len(content) > 2000:
        errors["content"] = _field_error("BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    embeds = data.get("embeds") or []
    if len(embeds) > 10:
        errors["embeds"] = _field_error("BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    limits = {"title": 256, "description": 4096}
    for index, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        embed_errors: JSON = {}
        for key, limit in limits.items():
            text = embed.get(key) or ""
            total += len(text)
            if len(text) > limit:
                embed_errors[key] = _field_error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
        fields = embed.get("fields") or []
        if len(fields) > 25:
            embed_errors["fields"] = _field_error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for embed_field in fields:
            name, value = embed_field.get("name") or "", embed_field.get("value") or ""
            total += len(name) + len(value)
            if len(name) > 256 or len(value) > 1024:
                embed_errors["fields"] = _field_error("BASE_TYPE_MAX_LENGTH", "Field name <= 256, value <= 1024.")
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        total += len(footer) + len(author)
        if len(footer) > 2048:
            embed_errors["footer"] = _field_error("BASE_TYPE_MAX_LENGTH", "Must be 2048 or fewer in length.")
        if embed_errors:
            errors.setdefault("embeds", {})[str(index)] = embed_errors
    if total > 6000:
        errors.setdefault("embeds", {}).update(
            _field_error("MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
        )
    components = data.get("components") or []
    if len(components) > 5 and not (data.get("flags", 0) & (1 << 15)):
        errors["components"] = _field_error("BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    return errors


def _localized_name_error(siblings: Sequence[Any]) -> str | None:
    """Why Discord would refuse the ``name_localizations`` of these sibling commands or options (or theirs), if so.

    Each localized name follows the name rule, and in every locale the names
    siblings show (localized, else the default) differ.
    """
    entries = [s for s in siblings if isinstance(s, dict)]
    locales = {locale for s in entries for locale in s.get("name_localizations") or {}}
    for locale in sorted(locales):
        shown = [(s.get("name_localizations") or {}).get(locale, s.get("name")) for s in entries]
        for name in shown:
            if not isinstance(name, str) or not _COMMAND_NAME.match(name) or name != name.lower():
                return f"{locale}: {name!r} is not a valid name"
        if len(set(shown)) != len(shown):
            return f"{locale}: names must be unique among siblings ({', '.join(map(str, shown))})"
    for entry in entries:
        nested = _localized_name_error(entry.get("options") or [])
        if nested:
            return f"{entry.get('name')}: {nested}"
    return None


def _validate_commands(commands: Sequence[Any]) -> JSON:
    """Check command payloads against Discord's rules; return errors or ``{}``."""
    errors: JSON = {}
    if len(commands) > 100:
        return _field_error("BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    for index, command in enumerate(commands):
        if not isinstance(command, dict):
            errors[str(index)] = _field_error("DICT_TYPE_CONVERT", "Only dictionaries.")
            continue
        command_errors: JSON = {}
        name = command.get("name")
        command_type = command.get("type", 1)
        if not isinstance(name, str) or not (1 <= len(name) <= 32):
            command_errors["name"] = _field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
        elif command_type == 1 and (not _COMMAND_NAME.match(name) or name != name.lower()):
            command_errors["name"] = _field_error("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        description = command.get("description", "")
        if command_type == 1 and not (1 <= len(description) <= 100):
            command_errors["description"] = _field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if len(command.get("options") or []) > 25:
            command_errors["options"] = _field_error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        if command_errors:
            errors[str(index)] = command_errors
    localized = _localized_name_error([c for c in commands if isinstance(c, dict) and c.get("type", 1) == 1])
    if localized and not errors:
        errors["name_localizations"] = _field_error("APPLICATION_COMMAND_INVALID_NAME", localized)
    return errors


class FakeDiscord:
    """A fake Discord (gateway + REST) on ``127.0.0.1`` for end-to-end tests.

    Use it as an async context manager (or call :meth:`start` and
    :meth:`stop`).  Construction options:

    ``token``
        If set, REST calls must carry ``Authorization: Bot <token>`` (else
        401, which discord.py turns into ``LoginFailure``) and IDENTIFY must
        carry it (else close 4004).  ``None`` accepts any token.
    ``guilds``
        Guilds the bot is in; default: one :class:`FakeGuild`.
    ``shard_count``
        What ``GET /gateway/bot`` recommends (``AutoShardedClient`` uses it).
    ``interaction_deadline``
        Seconds within which an interaction must be acknowledged (Discord:
        3). A later callback gets 404 "Unknown interaction" (10062).
        ``None`` disables the check.
    ``allowed_intents``
        If set, an IDENTIFY asking for other intents is closed with 4014
        (disallowed intents), like a bot without privileged intents enabled.
    ``heartbeat_interval_ms``
        Sent in HELLO.
    ``backlog_size``
        How many dispatched events per session are kept for RESUME replay.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        guilds: Sequence[FakeGuild] | None = None,
        shard_count: int = 1,
        application_id: int | None = None,
        bot_user_id: int | None = None,
        bot_name: str = "FAQ Bot",
        application_flags: int = (1 << 19) | (1 << 23),
        interaction_deadline: float | None = 3.0,
        allowed_intents: int | None = None,
        heartbeat_interval_ms: int = 41_250,
        backlog_size: int = 1000,
    ) -> None:
        """Configure the fake; nothing listens until :meth:`start`."""
        self.token = token
        self.guilds: list[FakeGuild] = list(guilds) if guilds is not None else [FakeGuild()]
        self.shard_count = shard_count
        self.application_id = str(application_id or make_snowflake())
        self.bot_user_id = str(bot_user_id or self.application_id)
        self.bot_name = bot_name
        self.application_flags = application_flags
        self.interaction_deadline = interaction_deadline
        self.allowed_intents = allowed_intents
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.backlog_size = backlog_size

        self.counters = FakeDiscordCounters()
        self.requests: list[RecordedRequest] = []
        self.identify_payloads: list[JSON] = []
        self.sessions: dict[str, GatewaySession] = {}
        self.messages: dict[str, JSON] = {}
        self.global_commands: list[JSON] = []
        self.guild_commands: dict[str, list[JSON]] = {}
        self.handler_errors: list[Exception] = []

        self._connections: set[_Connection] = set()
        self._interactions: dict[str, _Interaction] = {}
        self._interactions_by_token: dict[str, _Interaction] = {}
        self._callbacks: dict[str, JSON] = {}
        self._callback_waiters: dict[str, list[asyncio.Future[JSON]]] = {}
        self._request_waiters: list[tuple[Callable[[RecordedRequest], bool], asyncio.Future[RecordedRequest]]] = []
        self._rate_limits: list[_RateLimitRule] = []
        self._generated_command_ids: dict[str, str] = {}
        self._changed = asyncio.Event()
        self._accepting = asyncio.Event()
        self._accepting.set()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ------------------------------------------------------------------ life

    async def start(self) -> None:
        """Start listening on ``127.0.0.1`` on a free port."""
        if self._runner is not None:
            raise RuntimeError("FakeDiscord is already started")
        app = web.Application(middlewares=[self._record_middleware], client_max_size=64 << 20)
        self._add_routes(app)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = int(sock.getsockname()[1])
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner
        _log.debug("FakeDiscord listening on %s", self.base_url)

    async def stop(self) -> None:
        """Close every gateway connection (1001 Going Away) and stop the server."""
        self._accepting.set()
        for connection in list(self._connections):
            connection.closed_by_server = True
            await connection.ws.close(code=1001, message=b"fakediscord stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for waiters in self._callback_waiters.values():
            for future in waiters:
                future.cancel()
        for _, future in self._request_waiters:
            future.cancel()
        self._callback_waiters.clear()
        self._request_waiters.clear()

    async def __aenter__(self) -> FakeDiscord:
        """Start the server; see :meth:`start`."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the server; see :meth:`stop`."""
        await self.stop()

    # ------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        """The TCP port the fake listens on (after :meth:`start`)."""
        if self._port is None:
            raise RuntimeError("FakeDiscord is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: what the launcher's ``--base`` takes."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """``http://127.0.0.1:PORT/api/v10``: the value for ``Route.BASE``."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """``ws://127.0.0.1:PORT/``: the gateway (``DEFAULT_GATEWAY``)."""
        return f"ws://127.0.0.1:{self.port}/"

    # ----------------------------------------------------------- inspection

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        """Requests for routes the fake does not implement (answered 404)."""
        return [request for request in self.requests if request.unknown]

    def assert_no_unknown_requests(self) -> None:
        """Fail with a readable list if the client called an unknown route."""
        unknown = self.unknown_requests
        if unknown:
            lines = ", ".join(f"{r.method} {r.path}" for r in unknown)
            raise AssertionError(f"requests to routes FakeDiscord does not know: {lines}")

    def callback_for(self, interaction_id: int | str) -> JSON | None:
        """Return the accepted callback body of an interaction, if any yet."""
        return self._callbacks.get(str(interaction_id))

    def original_message(self, interaction_id: int | str) -> JSON | None:
        """Return the stored message an interaction's ``@original`` refers to."""
        interaction = self._interactions.get(str(interaction_id))
        if interaction is None or interaction.original_message_id is None:
            return None
        return self.messages.get(interaction.original_message_id)

    def connected_sessions(self) -> list[GatewaySession]:
        """Sessions that currently have a websocket attached."""
        return [session for session in self.sessions.values() if session.connected]

    def bot_user(self) -> JSON:
        """The bot's user object, as ``GET /users/@me`` returns it."""
        return {
            "id": self.bot_user_id,
            "username": self.bot_name.lower().replace(" ", "-"),
            "global_name": None,
            "discriminator": "0000",
            "avatar": None,
            "bot": True,
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "public_flags": 0,
            "email": None,
            "locale": "en-US",
        }

    def guild(self, guild_id: int | str | None = None) -> FakeGuild:
        """Return the configured guild with ``guild_id`` (default: the first)."""
        if guild_id is None:
            if not self.guilds:
                raise ValueError("FakeDiscord has no guilds; pass dm=True for a DM")
            return self.guilds[0]
        for guild in self.guilds:
            if guild.id == int(guild_id):
                return guild
        raise KeyError(f"unknown guild {guild_id}")

    # -------------------------------------------------------------- waiting

    def _notify(self) -> None:
        """Wake every :meth:`wait_until` caller so it re-checks its condition."""
        self._changed.set()
        self._changed = asyncio.Event()

    def _describe_recent(self) -> str:
        """Summarise the last requests for a timeout message."""
        recent = self.requests[-8:]
        if not recent:
            return "no REST requests were received"
        lines = "; ".join(f"{r.method} {r.path} -> {r.status}" for r in recent)
        return f"last requests: {lines}"

    async def wait_until(self, check: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
        """Wait until ``check()`` is true; it is re-evaluated on every change.

        Changes are: a request recorded, a session identified or resumed, a
        connection opened or closed.  Raises :class:`FakeDiscordTimeout`.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not check():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise FakeDiscordTimeout(f"timed out after {timeout}s waiting for {what}; {self._describe_recent()}")
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                continue

    async def wait_until_ready(self, timeout: float = 5.0, shards: int = 1) -> None:
        """Wait until ``shards`` distinct shards have identified and are connected.

        This is the fake's view ("READY was sent"); discord.py fires
        ``on_ready`` a little later, after its ``guild_ready_timeout``.
        """

        def ready() -> bool:
            return len({s.shard_id for s in self.connected_sessions()}) >= shards

        await self.wait_until(ready, timeout, f"{shards} identified shard(s)")

    async def wait_for_request(
        self, predicate: Callable[[RecordedRequest], bool], timeout: float = 5.0
    ) -> RecordedRequest:
        """Return the first recorded request (past or future) matching ``predicate``."""
        for request in self.requests:
            if predicate(request):
                return request
        future: asyncio.Future[RecordedRequest] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._request_waiters.append(entry)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise FakeDiscordTimeout(
                f"timed out after {timeout}s waiting for a matching request; {self._describe_recent()}"
            ) from None
        finally:
            if entry in self._request_waiters:
                self._request_waiters.remove(entry)

    async def wait_for_callback(self, interaction_id: int | str, timeout: float = 5.0) -> JSON:
        """Return the body of the accepted callback for ``interaction_id``.

        Only a callback the fake accepted (2xx) counts; a 429 or a rejected
        one does not.  Raises :class:`FakeDiscordTimeout`.
        """
        key = str(interaction_id)
        if key in self._callbacks:
            return self._callbacks[key]
        future: asyncio.Future[JSON] = asyncio.get_running_loop().create_future()
        waiters = self._callback_waiters.setdefault(key, [])
        waiters.append(future)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise FakeDiscordTimeout(
                f"timed out after {timeout}s waiting for the callback of interaction {key}; {self._describe_recent()}"
            ) from None
        finally:
            if future in waiters:
                waiters.remove(future)

    async def interact(self, payload: JSON, timeout: float = 5.0) -> JSON:
        """Dispatch ``payload`` and return its accepted callback body."""
        await self.dispatch_interaction(payload)
        return await self.wait_for_callback(payload["id"], timeout)

    # -------------------------------------------------------- fault injection

    def rate_limit_next(
        self,
        method: str,
        path_regex: str,
        retry_after: float = 0.2,
        count: int = 1,
        *,
        is_global: bool = False,
    ) -> None:
        """Answer the next ``count`` matching requests with HTTP 429.

        ``method`` is an HTTP method or ``"*"``; ``path_regex`` is searched in
        the path relative to the API base (``/interactions/1/t/callback``).
        The 429 carries Discord's JSON body (``retry_after``, ``global``) and
        headers (``Retry-After``, ``X-RateLimit-*`` and ``Via``: discord.py
        treats a 429 without ``Via`` as a Cloudflare ban and gives up).
        """
        self._rate_limits.append(
            _RateLimitRule(
                method=method.upper(),
                path=re.compile(path_regex),
                retry_after=retry_after,
                remaining=count,
                is_global=is_global,
            )
        )

    def _take_rate_limit(self, method: str, path: str) -> _RateLimitRule | None:
        """Consume one pending 429 matching this request, if there is one."""
        for rule in self._rate_limits:
            if rule.remaining > 0 and rule.method in ("*", method) and rule.path.search(path):
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._rate_limits.remove(rule)
                return rule
        return None

    def _sessions_for(self, shard_id: int | None) -> list[GatewaySession]:
        """Connected sessions, optionally only those of one shard."""
        return [session for session in self.connected_sessions() if shard_id is None or session.shard_id == shard_id]

    async def drop_gateway(self, code: int = 4000, *, shard_id: int | None = None, resumable: bool = True) -> int:
        """Close the gateway websocket(s) from the server side, mid-stream.

        With ``resumable`` (and a code other than 4007/4009) the session
        survives: discord.py reconnects, sends RESUME, gets the missed events
        replayed and RESUMED.  Otherwise its RESUME is answered with INVALID
        SESSION and it must IDENTIFY again.  Returns how many were dropped.
        Events dispatched while disconnected are buffered for the replay.
        """
        dropped = 0
        for session in self._sessions_for(shard_id):
            connection = session.connection
            if connection is None:
                continue
            if not resumable or code in _CLOSES_THAT_END_THE_SESSION:
                session.resumable = False
                self.counters.sessions_invalidated += 1
            connection.closed_by_server = True
            session.connection = None
            self.counters.gateway_drops += 1
            dropped += 1
            await connection.ws.close(code=code, message=b"fakediscord: dropped")
        self._notify()
        return dropped

    def hold_connections(self) -> None:
        """Make new gateway connections wait before HELLO until released.

        With the gateway dropped and held, events dispatched meanwhile can
        only reach the client through the RESUME replay: a deterministic way
        to test "an interaction arrived while the bot was reconnecting".
        """
        self._accepting.clear()

    def release_connections(self) -> None:
        """Let held gateway connections (and new ones) proceed to HELLO."""
        self._accepting.set()

    async def request_reconnect(self, shard_id: int | None = None) -> int:
        """Send op 7 RECONNECT: the client must reconnect and RESUME."""
        sessions = self._sessions_for(shard_id)
        for session in sessions:
            self.counters.reconnects_requested += 1
            await self._send_op(session, _OP_RECONNECT, None)
        return len(sessions)

    async def invalidate_session(self, *, resumable: bool = False, shard_id: int | None = None) -> int:
        """Send op 9 INVALID SESSION; with ``resumable=False`` it must re-IDENTIFY."""
        sessions = self._sessions_for(shard_id)
        for session in sessions:
            if not resumable:
                session.resumable = False
            self.counters.sessions_invalidated += 1
            await self._send_op(session, _OP_INVALID_SESSION, resumable)
        return len(sessions)

    # -------------------------------------------------------------- gateway

    async def _send_op(self, session: GatewaySession, op: int, data: Any) -> None:
        """Send a non-dispatch opcode on a session's current connection."""
        async with session.lock:
            connection = session.connection
            if connection is not None:
                await self._send_raw(connection, {"op": op, "d": data, "s": None, "t": None})

    @staticmethod
    async def _send_raw(connection: _Connection, payload: JSON) -> bool:
        """Write one gateway payload as a text frame; False if the socket is gone."""
        if connection.ws.closed:
            return False
        try:
            await connection.ws.send_str(_dumps(payload))
        except (ConnectionError, RuntimeError):
            return False
        return True

    async def dispatch_event(self, session: GatewaySession, event: str, data: Any) -> int:
        """Send a DISPATCH (op 0) event on ``session``; returns its sequence number.

        The event is stored in the session backlog first, so it is replayed on
        RESUME if the socket is down right now.
        """
        async with session.lock:
            session.seq += 1
            frame: JSON = {"op": _OP_DISPATCH, "t": event, "s": session.seq, "d": data}
            session.backlog.append(frame)
            self.counters.events_dispatched += 1
            if session.connection is not None:
                await self._send_raw(session.connection, frame)
            return session.seq

    def _session_for_guild(self, guild_id: str | None) -> GatewaySession:
        """Pick the session that receives events for ``guild_id`` (DMs: shard 0).

        A resumable but disconnected session is fine: its backlog buffers the
        event until the client resumes.
        """
        candidates = [s for s in self.sessions.values() if s.resumable]
        if not candidates:
            raise RuntimeError("no gateway session: has the client connected and identified?")
        for session in sorted(candidates, key=lambda s: not s.connected):
            wanted = 0 if guild_id is None else (int(guild_id) >> 22) % session.shard_count
            if session.shard_id == wanted:
                return session
        raise RuntimeError(f"no gateway session for the shard of guild {guild_id}")

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        """Serve one gateway websocket connection from HELLO to close."""
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return _error(400, 0, "This endpoint is a websocket (the Discord gateway).")
        ws = web.WebSocketResponse(max_msg_size=0, timeout=2.0)
        await ws.prepare(request)
        connection = _Connection(ws=ws, query=dict(request.query))
        self._connections.add(connection)
        self._notify()
        try:
            await self._accepting.wait()
            if request.query.get("encoding", "json") != "json":
                connection.closed_by_server = True
                await ws.close(code=_CLOSE_DECODE_ERROR, message=b"fakediscord speaks JSON only")
                return ws
            await self._send_raw(
                connection,
                {
                    "op": _OP_HELLO,
                    "d": {
                        "heartbeat_interval": self.heartbeat_interval_ms,
                        "_trace": ["fakediscord"],
                    },
                    "s": None,
                    "t": None,
                },
            )
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    try:
                        payload = json.loads(message.data)
                    except ValueError:
                        await self._close(connection, _CLOSE_DECODE_ERROR, "invalid JSON")
                        break
                    await self._on_gateway_payload(connection, payload)
                elif message.type is WSMsgType.BINARY:
                    await self._close(connection, _CLOSE_DECODE_ERROR, "binary frames unsupported")
                    break
        finally:
            self._on_connection_closed(connection)
        return ws

    def _on_connection_closed(self, connection: _Connection) -> None:
        """Detach a finished websocket; a client close with 1000/1001 ends its session."""
        self._connections.discard(connection)
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
            if not connection.closed_by_server and connection.ws.close_code in (1000, 1001):
                session.resumable = False
        self._notify()

    async def _close(self, connection: _Connection, code: int, reason: str) -> None:
        """Close a websocket with a gateway close code."""
        connection.closed_by_server = True
        if connection.session is not None and connection.session.connection is connection:
            connection.session.connection = None
        await connection.ws.close(code=code, message=reason.encode())

    async def _on_gateway_payload(self, connection: _Connection, payload: Any) -> None:
        """Handle one payload the client sent on the gateway."""
        if not isinstance(payload, dict):
            await self._close(connection, _CLOSE_DECODE_ERROR, "payload is not an object")
            return
        op = payload.get("op")
        data = payload.get("d")
        if op == _OP_HEARTBEAT:
            self.counters.heartbeats += 1
            await self._send_raw(connection, {"op": _OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == _OP_IDENTIFY:
            await self._identify(connection, data if isinstance(data, dict) else {})
        elif op == _OP_RESUME:
            await self._resume(connection, data if isinstance(data, dict) else {})
        elif connection.session is None:
            await self._close(connection, _CLOSE_NOT_AUTHENTICATED, "Not authenticated.")
        elif op == _OP_PRESENCE_UPDATE:
            connection.session.presence = data
        elif op == _OP_REQUEST_GUILD_MEMBERS:
            await self._send_member_chunk(connection.session, data if isinstance(data, dict) else {})
        elif op == _OP_VOICE_STATE_UPDATE:
            pass
        else:
            await self._close(connection, _CLOSE_UNKNOWN_OPCODE, "Unknown opcode.")

    async def _identify(self, connection: _Connection, data: JSON) -> None:
        """IDENTIFY: create a session, send READY and the shard's GUILD_CREATEs."""
        if connection.session is not None:
            await self._close(connection, _CLOSE_ALREADY_AUTHENTICATED, "Already authenticated.")
            return
        if self.token is not None and data.get("token") != self.token:
            await self._close(connection, _CLOSE_AUTHENTICATION_FAILED, "Authentication failed.")
            return
        shard = data.get("shard") or [0, 1]
        try:
            shard_id, shard_count = int(shard[0]), int(shard[1])
        except (TypeError, ValueError, IndexError):
            shard_id, shard_count = -1, 0
        if not 0 <= shard_id < shard_count:
            await self._close(connection, _CLOSE_INVALID_SHARD, "Invalid shard.")
            return
        intents = int(data.get("intents") or 0)
        if self.allowed_intents is not None and intents & ~self.allowed_intents:
            await self._close(connection, _CLOSE_DISALLOWED_INTENTS, "Disallowed intent(s).")
            return

        self.identify_payloads.append(data)
        self.counters.identifies += 1
        session = GatewaySession(
            session_id=secrets.token_hex(16),
            shard_id=shard_id,
            shard_count=shard_count,
            identify=data,
            backlog=deque(maxlen=self.backlog_size),
            connection=connection,
            presence=data.get("presence"),
        )
        # A new IDENTIFY for a shard replaces that shard's older sessions.
        for old in self.sessions.values():
            if old.shard_id == shard_id and old.connection is None:
                old.resumable = False
        self.sessions[session.session_id] = session
        connection.session = session

        shard_guilds = [g for g in self.guilds if g.shard_id(shard_count) == shard_id]
        ready: JSON = {
            "v": API_VERSION,
            "user": self.bot_user(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in shard_guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.application_id, "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "auth": {},
            "_trace": ["fakediscord"],
        }
        if "shard" in data:
            ready["shard"] = [shard_id, shard_count]
        await self.dispatch_event(session, "READY", ready)
        for guild in shard_guilds:
            await self.dispatch_event(session, "GUILD_CREATE", self.guild_create_payload(guild))
        self._notify()

    async def _resume(self, connection: _Connection, data: JSON) -> None:
        """RESUME: replay missed events then RESUMED, or answer INVALID SESSION."""
        session = self.sessions.get(str(data.get("session_id")))
        token_ok = self.token is None or data.get("token") == self.token
        seq = data.get("seq")
        replay: list[JSON] = []
        ok = session is not None and session.resumable and token_ok and isinstance(seq, int)
        if ok and session is not None and isinstance(seq, int):
            replay = [frame for frame in session.backlog if frame["s"] > seq]
            oldest = session.backlog[0]["s"] if session.backlog else session.seq + 1
            # Events between seq and the oldest one kept are lost: not resumable.
            ok = seq >= session.seq or oldest <= seq + 1
        if not ok or session is None:
            await self._send_raw(connection, {"op": _OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        old = session.connection
        if old is not None and old is not connection:
            await self._close(old, 4000, "session resumed elsewhere")
        async with session.lock:
            session.connection = connection
            connection.session = session
            for frame in replay:
                await self._send_raw(connection, frame)
            self.counters.events_replayed += len(replay)
        self.counters.resumes += 1
        await self.dispatch_event(session, "RESUMED", {"_trace": ["fakediscord"]})
        self._notify()

    async def _send_member_chunk(self, session: GatewaySession, data: JSON) -> None:
        """Answer REQUEST_GUILD_MEMBERS with one chunk: the bot and the guild owner.

        That is ``member_count`` (2) members, so discord.py marks the guild
        chunked; it is only asked for with the privileged members intent.
        """
        members = [self._member_payload(self.bot_user(), [], DEFAULT_APP_PERMISSIONS)]
        guild = next((g for g in self.guilds if str(g.id) == str(data.get("guild_id"))), None)
        if guild is not None:
            owner = self.user_payload(guild.owner_id, "owner")
            members.append(self._member_payload(owner, [], _ADMIN_PERMISSIONS))
        chunk: JSON = {
            "guild_id": str(data.get("guild_id")),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self.dispatch_event(session, "GUILD_MEMBERS_CHUNK", chunk)

    # ------------------------------------------------------------- payloads

    def guild_create_payload(self, guild: FakeGuild) -> JSON:
        """The GUILD_CREATE body for ``guild``: roles, one text channel, the bot."""
        roles = [_role_payload(guild.id, "@everyone", 0, DEFAULT_MEMBER_PERMISSIONS)]
        roles += [_role_payload(i, name, n, 0) for n, (i, name) in enumerate(guild.roles.items(), 1)]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "roles": roles,
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(guild.channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": guild.locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": _utcnow_iso(),
            "large": False,
            "unavailable": False,
            "member_count": guild.member_count,
            "voice_states": [],
            "members": [self._member_payload(self.bot_user(), [], DEFAULT_APP_PERMISSIONS)],
            "channels": [self._channel_payload(guild)],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    @staticmethod
    def _channel_payload(guild: FakeGuild, permissions: int | None = None) -> JSON:
        """A guild text channel object (what GUILD_CREATE and interactions carry)."""
        channel: JSON = {
            "id": str(guild.channel_id),
            "type": 0,
            "guild_id": str(guild.id),
            "name": guild.channel_name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }
        if permissions is not None:
            channel["permissions"] = str(permissions)
        return channel

    @staticmethod
    def _member_payload(user: JSON, roles: Sequence[int | str], permissions: int) -> JSON:
        """A guild member object with its user, roles and resolved permissions."""
        return {
            "user": user,
            "roles": [str(role) for role in roles],
            "permissions": str(permissions),
            "nick": None,
            "avatar": None,
            "banner": None,
            "joined_at": _utcnow_iso(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }

    @staticmethod
    def user_payload(user_id: int | str, username: str | None = None) -> JSON:
        """A (non-bot) user object for the person using the bot."""
        name = username or f"user{str(user_id)[-4:]}"
        return {
            "id": str(user_id),
            "username": name,
            "global_name": name.title(),
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "avatar_decoration_data": None,
            "primary_guild": None,
            "collectibles": None,
        }

    def _find_command(self, name: str, guild_id: str | None, command_type: int) -> JSON | None:
        """The synced command ``name`` (guild commands first, then global)."""
        pools: list[list[JSON]] = []
        if guild_id is not None:
            pools.append(self.guild_commands.get(guild_id, []))
        pools.append(self.global_commands)
        for pool in pools:
            for command in pool:
                if command.get("name") == name and command.get("type", 1) == command_type:
                    return command
        return None

    def _build_options(
        self,
        schema: Sequence[JSON],
        values: Mapping[str, Any] | Sequence[JSON] | None,
        focused: str | None,
    ) -> list[JSON]:
        """Turn ``{name: value}`` into option objects, typed from the synced schema.

        Without a schema, the type is guessed from the Python value.  A list of
        ready-made option dicts is passed through unchanged.
        """
        if values is None:
            return []
        if not isinstance(values, Mapping):
            return [dict(option) for option in values]
        types = {str(option.get("name")): int(option.get("type", 3)) for option in schema}
        options: list[JSON] = []
        for name, value in values.items():
            option: JSON = {"name": name, "type": types.get(name, _option_type_for(value))}
            option["value"] = value
            if name == focused:
                option["focused"] = True
            options.append(option)
        return options

    def _command_data(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[JSON] | None,
        *,
        guild_id: str | None,
        subcommand: str | None,
        focused: str | None,
    ) -> JSON:
        """The ``data`` of an application-command or autocomplete interaction."""
        command = self._find_command(name, guild_id, 1)
        if command is not None:
            command_id = str(command["id"])
        else:
            command_id = self._generated_command_ids.setdefault(name, str(make_snowflake()))
        schema: list[JSON] = list(command.get("options") or []) if command else []
        path = subcommand.split() if subcommand else []
        for part in path:
            schema = next((list(o.get("options") or []) for o in schema if o.get("name") == part), [])
        built = self._build_options(schema, options, focused)
        for depth in range(len(path) - 1, -1, -1):
            kind = _OPTION_SUB_COMMAND if depth == len(path) - 1 else _OPTION_SUB_COMMAND_GROUP
            built = [{"name": path[depth], "type": kind, "options": built}]
        data: JSON = {"id": command_id, "name": name, "type": 1, "options": built}
        if command is not None and command.get("guild_id") is not None:
            # discord.py looks guild commands up by data.guild_id.
            data["guild_id"] = str(command["guild_id"])
        return data

    def _interaction(
        self,
        interaction_type: int,
        data: JSON,
        *,
        guild_id: int | str | None,
        dm: bool,
        user_id: int | str | None,
        username: str | None,
        permissions: int | None,
        roles: Sequence[int | str],
        locale: str,
        app_permissions: int,
        channel_id: int | str | None = None,
        message: JSON | None = None,
    ) -> JSON:
        """Assemble a full INTERACTION_CREATE payload around ``data``."""
        interaction_id = str(make_snowflake())
        token = "aW50ZXJhY3Rpb246" + interaction_id + ":" + secrets.token_urlsafe(48)
        user = self.user_payload(user_id or make_snowflake(), username)
        payload: JSON = {
            "id": interaction_id,
            "application_id": self.application_id,
            "type": interaction_type,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale,
            "app_permissions": str(app_permissions),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": _ATTACHMENT_SIZE_LIMIT,
        }
        if dm:
            channel: JSON = {
                "id": str(channel_id or make_snowflake()),
                "type": 1,
                "recipients": [user],
                "last_message_id": None,
                "flags": 0,
            }
            payload.update(
                user=user,
                channel=channel,
                channel_id=channel["id"],
                context=1,
                authorizing_integration_owners={"0": self.application_id},
            )
        else:
            guild = self.guild(guild_id)
            unknown_roles = [r for r in roles if int(r) not in guild.roles and int(r) != guild.id]
            if unknown_roles:
                raise ValueError(
                    f"roles {unknown_roles} are not roles of guild {guild.id}: discord.py would drop "
                    "them; add them to FakeGuild.roles or use FakeDiscord.create_role()"
                )
            member_permissions = DEFAULT_MEMBER_PERMISSIONS if permissions is None else permissions
            if member_permissions & _ADMINISTRATOR:
                member_permissions = _ADMIN_PERMISSIONS
            channel = self._channel_payload(guild, member_permissions)
            if channel_id is not None:
                channel["id"] = str(channel_id)
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": guild.locale, "features": []},
                guild_locale=guild.locale,
                member=self._member_payload(user, roles, member_permissions),
                channel=channel,
                channel_id=channel["id"],
                context=0,
                authorizing_integration_owners={"0": str(guild.id)},
            )
        if message is not None:
            payload["message"] = message
        return payload

    def slash_command(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[JSON] | None = None,
        *,
        subcommand: str | None = None,
        guild_id: int | str | None = None,
        dm: bool = False,
        user_id: int | str | None = None,
        username: str | None = None,
        permissions: int | None = None,
        roles: Sequence[int | str] = (),
        locale: str = "en-US",
        app_permissions: int = DEFAULT_APP_PERMISSIONS,
        channel_id: int | str | None = None,
    ) -> JSON:
        """Build an APPLICATION_COMMAND (type 2) interaction for ``/name``.

        ``options`` maps option names to values (types come from the synced
        command when there is one, else from the Python type) or is a list of
        raw option dicts.  ``subcommand`` is ``"sub"`` or ``"group sub"``.
        ``guild_id`` defaults to the first configured guild; ``dm=True`` makes
        a DM interaction instead.  ``permissions`` is the member's permission
        integer (with ADMINISTRATOR it becomes "all"), reported as a string as
        Discord does.  The command id is the synced one if the client synced.
        """
        guild_key = None if dm else str(self.guild(guild_id).id)
        data = self._command_data(name, options, guild_id=guild_key, subcommand=subcommand, focused=None)
        return self._interaction(
            _APPLICATION_COMMAND,
            data,
            guild_id=guild_id,
            dm=dm,
            user_id=user_id,
            username=username,
            permissions=permissions,
            roles=roles,
            locale=locale,
            app_permissions=app_permissions,
            channel_id=channel_id,
        )

    def autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        subcommand: str | None = None,
        guild_id: int | str | None = None,
        dm: bool = False,
        user_id: int | str | None = None,
        username: str | None = None,
        permissions: int | None = None,
        roles: Sequence[int | str] = (),
        locale: str = "en-US",
        app_permissions: int = DEFAULT_APP_PERMISSIONS,
    ) -> JSON:
        """Build an APPLICATION_COMMAND_AUTOCOMPLETE (type 4) interaction.

        ``options`` holds what the user typed so far (the focused option's
        value is the partial text); ``focused`` names the option being typed.
        """
        if focused not in options:
            raise ValueError(f"focused option {focused!r} must be one of the options")
        guild_key = None if dm else str(self.guild(guild_id).id)
        data = self._command_data(name, options, guild_id=guild_key, subcommand=subcommand, focused=focused)
        return self._interaction(
            _AUTOCOMPLETE,
            data,
            guild_id=guild_id,
            dm=dm,
            user_id=user_id,
            username=username,
            permissions=permissions,
            roles=roles,
            locale=locale,
            app_permissions=app_permissions,
        )

    def component(
        self,
        custom_id: str,
        *,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        message: JSON | None = None,
        guild_id: int | str | None = None,
        dm: bool = False,
        user_id: int | str | None = None,
        username: str | None = None,
        permissions: int | None = None,
        roles: Sequence[int | str] = (),
        locale: str = "en-US",
        app_permissions: int = DEFAULT_APP_PERMISSIONS,
    ) -> JSON:
        """Build a MESSAGE_COMPONENT (type 3) interaction: a click or a selection.

        ``component_type`` is 2 for a button, 3 for a string select (pass
        ``values``).  ``message`` defaults to the newest message the bot sent
        that contains ``custom_id``: discord.py routes the click to the view
        it stored for *that message id*, so the id must match.
        """
        if message is None:
            message = self.find_message_with_component(custom_id)
        if message is None:
            raise LookupError(f"no message with a component {custom_id!r} was sent; pass message=")
        data: JSON = {"custom_id": custom_id, "component_type": component_type}
        if component_type in _SELECT_COMPONENT_TYPES:
            data["values"] = list(values or [])
        return self._interaction(
            _MESSAGE_COMPONENT,
            data,
            guild_id=guild_id,
            dm=dm,
            user_id=user_id,
            username=username,
            permissions=permissions,
            roles=roles,
            locale=locale,
            app_permissions=app_permissions,
            channel_id=message.get("channel_id"),
            message=message,
        )

    async def create_role(self, name: str, *, guild_id: int | str | None = None, permissions: int = 0) -> int:
        """Add a role to a guild and send GUILD_ROLE_CREATE; return the role id.

        The event goes to the guild's shard, so discord.py's cache knows the
        role before an interaction gives it to a member.
        """
        guild = self.guild(guild_id)
        role_id = make_snowflake()
        guild.roles[role_id] = name
        role = _role_payload(role_id, name, len(guild.roles), permissions)
        session = self._session_for_guild(str(guild.id))
        await self.dispatch_event(session, "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role})
        return role_id

    def find_message_with_component(self, custom_id: str) -> JSON | None:
        """The newest stored bot message with a component ``custom_id``."""
        for message in reversed(list(self.messages.values())):
            if _contains_custom_id(message.get("components") or [], custom_id):
                return message
        return None

    async def dispatch_interaction(self, payload: JSON) -> str:
        """Send INTERACTION_CREATE to the client and return the interaction id.

        A guild interaction goes to the shard owning the guild
        (``(guild_id >> 22) % shard_count``), a DM to shard 0.  If that shard
        is disconnected but resumable, the event waits in its backlog and is
        replayed on RESUME.  The interaction deadline starts now.
        """
        interaction = _Interaction(
            id=str(payload["id"]),
            token=str(payload["token"]),
            type=int(payload["type"]),
            created=time.monotonic(),
            payload=payload,
        )
        session = self._session_for_guild(payload.get("guild_id"))
        self._interactions[interaction.id] = interaction
        self._interactions_by_token[interaction.token] = interaction
        self.counters.interactions_dispatched += 1
        await self.dispatch_event(session, "INTERACTION_CREATE", payload)
        return interaction.id

    # ------------------------------------------------------------------ REST

    def _add_routes(self, app: web.Application) -> None:
        """Register the gateway, every implemented REST route, and a catch-all."""
        api = API_PREFIX
        app.router.add_get("/", self._handle_gateway)
        routes: list[tuple[str, str, Callable[[web.Request], Any]]] = [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/applications/{app_id}/commands", self._list_commands),
            ("PUT", "/applications/{app_id}/commands", self._put_commands),
            ("POST", "/applications/{app_id}/commands", self._post_command),
            ("GET", "/applications/{app_id}/commands/{command_id}", self._get_command),
            ("DELETE", "/applications/{app_id}/commands/{command_id}", self._delete_command),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self._list_commands),
            ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self._put_commands),
            ("POST", "/applications/{app_id}/guilds/{guild_id}/commands", self._post_command),
            (
                "GET",
                "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}",
                self._get_command,
            ),
            (
                "DELETE",
                "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}",
                self._delete_command,
            ),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._callback),
            ("POST", "/webhooks/{app_id}/{token}", self._followup),
            ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self._get_message),
            ("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", self._edit_message),
            ("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}", self._delete_message),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, api + path, handler)
        app.router.add_route("*", "/{tail:.*}", self._unknown_route)

    @web.middleware
    async def _record_middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        """Parse, rate-limit and record every REST request around its handler."""
        if request.path == "/" and request.method == "GET":
            response: web.StreamResponse = await handler(request)
            return response
        arrived = time.monotonic()
        body, files, body_ok = await self._parse_body(request)
        request[_BODY_JSON] = body
        request[_BODY_FILES] = files
        path = request.path[len(API_PREFIX) :] if request.path.startswith(API_PREFIX + "/") else request.path
        resource = request.match_info.route.resource
        template = resource.canonical if resource is not None else ""
        route = template[len(API_PREFIX) :] if template.startswith(API_PREFIX + "/") else None

        rule = self._take_rate_limit(request.method, path)
        if rule is not None:
            self.counters.rate_limits_served += 1
            response = self._rate_limited_response(rule)
        elif not body_ok:
            response = _error(400, 50109, "The request body contains invalid JSON.")
        else:
            try:
                response = await handler(request)
            except Exception as exc:  # a bug in the fake: answer 500, keep it for the test
                _log.exception("FakeDiscord handler for %s %s crashed", request.method, path)
                self.handler_errors.append(exc)
                response = _error(500, 0, f"FakeDiscord crashed: {exc!r}")
        self._record(
            RecordedRequest(
                method=request.method,
                path=path,
                query=dict(request.query),
                headers=dict(request.headers),
                json=body,
                files=tuple(files),
                status=response.status,
                time=arrived,
                route=route,
                rate_limited=rule is not None,
            )
        )
        return response

    def _record(self, recorded: RecordedRequest) -> None:
        """Store a request and wake whoever waits for it."""
        self.requests.append(recorded)
        for predicate, future in list(self._request_waiters):
            if not future.done() and predicate(recorded):
                future.set_result(recorded)
        self._notify()

    @staticmethod
    async def _parse_body(request: web.Request) -> tuple[Any, list[RecordedFile], bool]:
        """Decode a JSON or multipart (``payload_json`` + files) body.

        Returns ``(json, files, ok)``; ``ok`` is False for malformed JSON.
        """
        if not request.can_read_body:
            return None, [], True
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            files: list[RecordedFile] = []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                data = await part.read()
                if part.name == "payload_json":
                    try:
                        payload = json.loads(data)
                    except ValueError:
                        return None, files, False
                else:
                    files.append(
                        RecordedFile(
                            field_name=part.name or "",
                            filename=part.filename,
                            content_type=part.headers.get("Content-Type"),
                            data=bytes(data),
                        )
                    )
            return payload, files, True
        raw = await request.read()
        if not raw:
            return None, [], True
        try:
            return json.loads(raw), [], True
        except ValueError:
            return None, [], False

    @staticmethod
    def _rate_limited_response(rule: _RateLimitRule) -> web.Response:
        """A 429 as Discord sends it (body and headers)."""
        reset_at = time.time() + rule.retry_after
        headers = {
            "Retry-After": str(max(1, math.ceil(rule.retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{reset_at:.3f}",
            "X-RateLimit-Reset-After": f"{rule.retry_after:.3f}",
            "X-RateLimit-Bucket": "fakediscord" + secrets.token_hex(8),
            "X-RateLimit-Scope": "global" if rule.is_global else "user",
            "Via": "1.1 google",
        }
        if rule.is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": rule.retry_after,
            "global": rule.is_global,
            "code": 0,
        }
        return _json_response(body, 429, headers)

    def _check_auth(self, request: web.Request) -> web.Response | None:
        """401 unless the request carries the configured bot token."""
        if self.token is None:
            return None
        if request.headers.get("Authorization") != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")
        return None

    def _check_app(self, request: web.Request) -> web.Response | None:
        """Auth check plus 404 "Unknown Application" for someone else's app id."""
        denied = self._check_auth(request)
        if denied is not None:
            return denied
        if request.match_info.get("app_id") != self.application_id:
            return _error(404, 10002, "Unknown Application")
        return None

    async def _unknown_route(self, request: web.Request) -> web.Response:
        """Any route the fake does not implement: Discord's 404 body."""
        return _error(404, 0, "404: Not Found")

    async def _get_me(self, request: web.Request) -> web.Response:
        """GET /users/@me: the bot user (discord.py's ``static_login``)."""
        return self._check_auth(request) or _json_response(self.bot_user())

    async def _get_application(self, request: web.Request) -> web.Response:
        """GET /oauth2/applications/@me: the application (``application_info``)."""
        denied = self._check_auth(request)
        if denied is not None:
            return denied
        owner = self.user_payload(self.guilds[0].owner_id if self.guilds else make_snowflake())
        return _json_response(
            {
                "id": self.application_id,
                "name": self.bot_name,
                "icon": None,
                "description": "A fake application served by FakeDiscord.",
                "summary": "",
                "type": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "verify_key": secrets.token_hex(32),
                "flags": self.application_flags,
                "owner": owner,
                "team": None,
                "bot": self.bot_user(),
                "interactions_endpoint_url": None,
                "redirect_uris": [],
                "tags": [],
                "approximate_guild_count": len(self.guilds),
                "integration_types_config": {"0": {}},
            }
        )

    async def _get_gateway(self, request: web.Request) -> web.Response:
        """GET /gateway: where the websocket is."""
        return _json_response({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        """GET /gateway/bot: url, recommended shard count, session start limit."""
        denied = self._check_auth(request)
        if denied is not None:
            return denied
        return _json_response(
            {
                "url": self.gateway_url,
                "shards": self.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000 - self.counters.identifies,
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    def _command_pool(self, request: web.Request) -> list[JSON]:
        """The global or the guild command list a command route addresses."""
        guild_id = request.match_info.get("guild_id")
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.setdefault(guild_id, [])

    def _store_command(self, command: JSON, existing: Sequence[JSON], guild_id: str | None) -> JSON:
        """Give a command payload the fields Discord adds (id, version, ...).

        A command whose name and type already exist keeps its id, as Discord
        does on a bulk overwrite.
        """
        command_type = command.get("type", 1)
        previous = next(
            (c for c in existing if c.get("name") == command.get("name") and c.get("type", 1) == command_type),
            None,
        )
        stored: JSON = {
            "default_member_permissions": None,
            "nsfw": False,
            "contexts": None,
            "integration_types": [0],
            "description": "",
            "options": [],
            "name_localizations": None,
            "description_localizations": None,
        }
        stored.update(command)
        stored.update(
            id=str(previous["id"]) if previous else str(make_snowflake()),
            application_id=self.application_id,
            version=str(make_snowflake()),
            type=command_type,
        )
        if guild_id is not None:
            stored["guild_id"] = guild_id
        else:
            stored.pop("guild_id", None)
        return stored

    async def _list_commands(self, request: web.Request) -> web.Response:
        """GET .../commands: the stored commands."""
        return self._check_app(request) or _json_response(self._command_pool(request))

    async def _put_commands(self, request: web.Request) -> web.Response:
        """PUT .../commands: bulk overwrite (what ``CommandTree.sync`` does)."""
        denied = self._check_app(request)
        if denied is not None:
            return denied
        body = request[_BODY_JSON]
        if not isinstance(body, list):
            return _form_error(_field_error("LIST_TYPE_CONVERT", "Only iterables may be used."))
        errors = _validate_commands(body)
        if errors:
            return _form_error(errors)
        pool = self._command_pool(request)
        guild_id = request.match_info.get("guild_id")
        stored = [self._store_command(command, pool, guild_id) for command in body]
        pool[:] = stored
        return _json_response(stored)

    async def _post_command(self, request: web.Request) -> web.Response:
        """POST .../commands: create or replace one command by name."""
        denied = self._check_app(request)
        if denied is not None:
            return denied
        body = request[_BODY_JSON]
        errors = _validate_commands([body])
        if errors:
            return _form_error(errors.get("0", errors))
        pool = self._command_pool(request)
        stored = self._store_command(body, pool, request.match_info.get("guild_id"))
        pool[:] = [c for c in pool if c["id"] != stored["id"]] + [stored]
        return _json_response(stored, 201)

    async def _get_command(self, request: web.Request) -> web.Response:
        """GET .../commands/{id}."""
        denied = self._check_app(request)
        if denied is not None:
            return denied
        for command in self._command_pool(request):
            if command["id"] == request.match_info["command_id"]:
                return _json_response(command)
        return _error(404, 10063, "Unknown application command")

    async def _delete_command(self, request: web.Request) -> web.Response:
        """DELETE .../commands/{id}."""
        denied = self._check_app(request)
        if denied is not None:
            return denied
        pool = self._command_pool(request)
        for command in pool:
            if command["id"] == request.match_info["command_id"]:
                pool.remove(command)
                return web.Response(status=204)
        return _error(404, 10063, "Unknown application command")

    def _new_message(self, interaction: _Interaction, data: JSON, *, flags: int = 0) -> JSON:
        """Create and store a message the bot sent for ``interaction``."""
        payload = interaction.payload
        user = (payload.get("member") or {}).get("user") or payload.get("user")
        command_name = (payload.get("data") or {}).get("name")
        metadata: JSON = {
            "id": interaction.id,
            "type": interaction.type,
            "user": user,
            "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
        }
        if interaction.type == _MESSAGE_COMPONENT and payload.get("message"):
            metadata["interacted_message_id"] = payload["message"]["id"]
        message_flags = int(data.get("flags") or 0) | flags
        message: JSON = {
            "id": str(make_snowflake()),
            "channel_id": payload.get("channel_id"),
            "author": self.bot_user(),
            "content": data.get("content") or "",
            "embeds": [dict(embed, type=embed.get("type", "rich")) for embed in data.get("embeds") or []],
            "attachments": [],
            "components": data.get("components") or [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": bool(data.get("tts", False)),
            "timestamp": _utcnow_iso(),
            "edited_timestamp": None,
            "flags": message_flags,
            "type": _MESSAGE_CHAT_INPUT_COMMAND if interaction.type == _APPLICATION_COMMAND else _MESSAGE_DEFAULT,
            "webhook_id": self.application_id,
            "application_id": self.application_id,
            "interaction_metadata": metadata,
        }
        if interaction.type == _APPLICATION_COMMAND and command_name:
            metadata["name"] = command_name
            metadata["command_type"] = 1
        self.messages[message["id"]] = message
        return message

    def _attach_files(self, message: JSON, files: Sequence[RecordedFile]) -> None:
        """Turn uploaded files into attachment objects on ``message``."""
        for upload in files:
            attachment_id = str(make_snowflake())
            filename = upload.filename or "file"
            url = f"{self.base_url}/attachments/{message['channel_id']}/{attachment_id}/{filename}"
            message["attachments"].append(
                {
                    "id": attachment_id,
                    "filename": filename,
                    "size": len(upload.data),
                    "url": url,
                    "proxy_url": url,
                    "content_type": upload.content_type,
                }
            )

    @staticmethod
    def _edit(message: JSON, data: JSON) -> None:
        """Apply an edit (PATCH body or UPDATE_MESSAGE data) to a stored message."""
        for key in ("content", "embeds", "components"):
            if key in data:
                value = data[key]
                message[key] = value if value is not None else ("" if key == "content" else [])
        if "flags" in data and data["flags"] is not None:
            message["flags"] = int(data["flags"]) | (message["flags"] & _FLAG_EPHEMERAL)
        message["flags"] &= ~_FLAG_LOADING
        if "attachments" in data and not data["attachments"]:
            message["attachments"] = []
        message["edited_timestamp"] = _utcnow_iso()

    async def _callback(self, request: web.Request) -> web.Response:
        """POST /interactions/{id}/{token}/callback: acknowledge an interaction."""
        interaction = self._interactions.get(request.match_info["interaction_id"])
        if interaction is None:
            return _error(404, 10062, "Unknown interaction")
        if interaction.token != request.match_info["token"]:
            return _error(401, 50027, "Invalid Webhook Token")
        late = (
            self.interaction_deadline is not None
            and time.monotonic() - interaction.created >= self.interaction_deadline
        )
        if late:
            return _error(404, 10062, "Unknown interaction")
        if interaction.acknowledged:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        body = request[_BODY_JSON]
        if not isinstance(body, dict) or not isinstance(body.get("type"), int):
            return _form_error({"type": _field_error("BASE_TYPE_REQUIRED", "This field is required")})
        callback_type = int(body["type"])
        data: JSON = body.get("data") or {}
        if callback_type not in _ALLOWED_CALLBACKS.get(interaction.type, frozenset()):
            return _error(
                400,
                50035,
                f"Invalid Form Body: callback type {callback_type} "
                f"is not valid for interaction type {interaction.type}",
            )
        if callback_type == _CALLBACK_AUTOCOMPLETE_RESULT:
            errors = self._validate_choices(data.get("choices"))
        elif callback_type in (_CALLBACK_MESSAGE, _CALLBACK_UPDATE_MESSAGE):
            errors = _validate_message(data)
        else:
            errors = {}
        if errors:
            return _form_error({"data": errors})

        message: JSON | None = None
        source = interaction.payload.get("message")
        if callback_type in (_CALLBACK_MESSAGE, _CALLBACK_DEFERRED_MESSAGE):
            loading = _FLAG_LOADING if callback_type == _CALLBACK_DEFERRED_MESSAGE else 0
            message = self._new_message(interaction, data, flags=loading)
            self._attach_files(message, request[_BODY_FILES])
            interaction.original_message_id = message["id"]
        elif callback_type in (_CALLBACK_UPDATE_MESSAGE, _CALLBACK_DEFERRED_UPDATE) and source:
            message = self.messages.setdefault(str(source["id"]), dict(source))
            if callback_type == _CALLBACK_UPDATE_MESSAGE:
                self._edit(message, data)
                self._attach_files(message, request[_BODY_FILES])
            interaction.original_message_id = message["id"]

        interaction.acknowledged = True
        interaction.callback_type = callback_type
        self._callbacks[interaction.id] = body
        for future in self._callback_waiters.pop(interaction.id, []):
            if not future.done():
                future.set_result(body)

        if not _truthy(request.query.get("with_response")):
            return web.Response(status=204)
        response: JSON = {
            "interaction": {
                "id": interaction.id,
                "type": interaction.type,
                "activity_instance_id": None,
                "response_message_id": message["id"] if message else None,
                "response_message_loading": callback_type == _CALLBACK_DEFERRED_MESSAGE,
                "response_message_ephemeral": bool(message and message["flags"] & _FLAG_EPHEMERAL),
            }
        }
        if message is not None:
            response["resource"] = {"type": callback_type, "message": message}
        return _json_response(response)

    @staticmethod
    def _validate_choices(choices: Any) -> JSON:
        """Autocomplete choices: at most 25, names and string values 1-100 chars."""
        if not isinstance(choices, list):
            return {"choices": _field_error("BASE_TYPE_REQUIRED", "This field is required")}
        if len(choices) > 25:
            return {"choices": _field_error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")}
        errors: JSON = {}
        for index, choice in enumerate(choices):
            name = choice.get("name") if isinstance(choice, dict) else None
            value = choice.get("value") if isinstance(choice, dict) else None
            if not isinstance(name, str) or not 1 <= len(name) <= 100:
                errors[str(index)] = {
                    "name": _field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
                }
            elif isinstance(value, str) and len(value) > 100:
                errors[str(index)] = {
                    "value": _field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
                }
        return {"choices": errors} if errors else {}

    def _webhook_interaction(self, request: web.Request) -> _Interaction | web.Response:
        """The interaction a ``/webhooks/{app}/{token}`` route refers to, or an error."""
        if request.match_info["app_id"] != self.application_id:
            return _error(404, 10015, "Unknown Webhook")
        interaction = self._interactions_by_token.get(request.match_info["token"])
        if interaction is None:
            return _error(401, 50027, "Invalid Webhook Token")
        if not interaction.acknowledged:
            return _error(404, 10015, "Unknown Webhook")
        return interaction

    def _webhook_message(self, request: web.Request) -> tuple[_Interaction, JSON] | web.Response:
        """The message a ``.../messages/{id|@original}`` route refers to, or an error."""
        found = self._webhook_interaction(request)
        if isinstance(found, web.Response):
            return found
        message_id = request.match_info["message_id"]
        if message_id == "@original":
            message_id = found.original_message_id or ""
        message = self.messages.get(message_id)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return found, message

    async def _followup(self, request: web.Request) -> web.Response:
        """POST /webhooks/{app}/{token}: a followup message.

        After a deferred (type 5) response, the first followup fills in the
        "thinking" original message, as Discord does.
        """
        found = self._webhook_interaction(request)
        if isinstance(found, web.Response):
            return found
        body = request[_BODY_JSON] or {}
        errors = _validate_message(body)
        if errors:
            return _form_error(errors)
        original = self.messages.get(found.original_message_id or "")
        if original is not None and original["flags"] & _FLAG_LOADING:
            self._edit(original, body)
            self._attach_files(original, request[_BODY_FILES])
            message = original
        else:
            message = self._new_message(found, body)
            self._attach_files(message, request[_BODY_FILES])
        if not _truthy(request.query.get("wait")):
            return web.Response(status=204)
        return _json_response(message)

    async def _get_message(self, request: web.Request) -> web.Response:
        """GET /webhooks/{app}/{token}/messages/{id|@original}."""
        found = self._webhook_message(request)
        if isinstance(found, web.Response):
            return found
        return _json_response(found[1])

    async def _edit_message(self, request: web.Request) -> web.Response:
        """PATCH /webhooks/{app}/{token}/messages/{id|@original}: edit a message."""
        found = self._webhook_message(request)
        if isinstance(found, web.Response):
            return found
        body = request[_BODY_JSON] or {}
        errors = _validate_message(body)
        if errors:
            return _form_error(errors)
        message = found[1]
        self._edit(message, body)
        self._attach_files(message, request[_BODY_FILES])
        return _json_response(message)

    async def _delete_message(self, request: web.Request) -> web.Response:
        """DELETE /webhooks/{app}/{token}/messages/{id|@original}."""
        found = self._webhook_message(request)
        if isinstance(found, web.Response):
            return found
        del self.messages[found[1]["id"]]
        return web.Response(status=204)
