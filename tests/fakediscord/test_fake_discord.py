"""The fake Discord, proven against the real discord.py client.

Every test runs a real ``discord.Client`` with a ``CommandTree`` in the test's
event loop against :class:`FakeDiscord` on 127.0.0.1; nothing is mocked on the
discord.py side.  Waiting is always on an event (a recorded request, a
callback, a session change) with a timeout, never on a sleep.
"""

from __future__ import annotations

import asyncio
import io
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from tests.fakediscord import FakeDiscord, FakeGuild, RecordedRequest, make_snowflake, redirect_discord
from tests.fakediscord.minimal import MinimalClient, MinimalShardedClient, running_client

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 5.0

TOPICS = ["detainers", "deportation", "sanctuary cities", "suing ICE", "lawsuits"]


class ConfirmView(discord.ui.View):
    """One button; a click resolves ``clicked`` with the clicking user's id."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.clicked: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    @discord.ui.button(label="Confirm", custom_id="faq:confirm", style=discord.ButtonStyle.primary)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button[ConfirmView]) -> None:
        """Replace the question with "confirmed" (an UPDATE_MESSAGE callback)."""
        await interaction.response.edit_message(content="confirmed", view=None)
        self.stop()
        if not self.clicked.done():
            self.clicked.set_result(interaction.user.id)


class PickView(discord.ui.View):
    """One string select; a selection resolves ``picked`` with the chosen values."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.picked: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()

    @discord.ui.select(custom_id="faq:pick", options=[discord.SelectOption(label=t, value=t) for t in TOPICS])
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[PickView]) -> None:
        """Acknowledge without a new message (DEFERRED_UPDATE_MESSAGE)."""
        await interaction.response.defer()
        self.stop()
        if not self.picked.done():
            self.picked.set_result(list(select.values))


class FixtureClient(MinimalClient):
    """The minimal bot plus the commands these tests need."""

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        self.views: list[ConfirmView] = []
        self.command_errors: asyncio.Queue[app_commands.AppCommandError] = asyncio.Queue()
        self.tree.error(self._on_command_error)

        @self.tree.command(name="topic", description="Look up a topic.")
        async def topic(interaction: discord.Interaction, name: str) -> None:
            await interaction.response.send_message(f"topic: {name}", ephemeral=True)

        @topic.autocomplete("name")
        async def topic_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=t, value=t) for t in TOPICS if current.lower() in t.lower()]

        @self.tree.command(name="confirm", description="Ask for a confirmation.")
        async def confirm(interaction: discord.Interaction) -> None:
            view = ConfirmView()
            self.views.append(view)
            await interaction.response.send_message("Are you sure?", view=view)

        @self.tree.command(name="report", description="Answer slowly, with a file.")
        async def report(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send("report ready", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), "r.csv"))
            await interaction.edit_original_response(content="report ready (edited)")

        @self.tree.command(name="long", description="Answer with too much text.")
        async def long(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("x" * 2001)

        faq = app_commands.Group(name="faq", description="FAQ commands.")

        @faq.command(name="show", description="Show an entry.")
        async def show(interaction: discord.Interaction, entry: str, count: int) -> None:
            await interaction.response.send_message(f"show {entry} x{count}", ephemeral=True)

        self.tree.add_command(faq)

        @self.tree.command(name="whoami", description="Describe the caller.")
        async def whoami(interaction: discord.Interaction) -> None:
            member = interaction.user
            roles = sorted(r.id for r in member.roles[1:]) if isinstance(member, discord.Member) else []
            await interaction.response.send_message(
                f"admin={interaction.permissions.administrator} roles={roles} "
                f"locale={interaction.locale.value} guild_locale={interaction.guild_locale} "
                f"dm={interaction.guild is None}",
                ephemeral=True,
            )

        @self.tree.command(name="pick", description="Pick a topic.")
        async def pick(interaction: discord.Interaction) -> None:
            view = PickView()
            self.views.append(view)
            await interaction.response.send_message("Pick one", view=view, ephemeral=True)

    async def _on_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Keep command errors for the test to inspect (instead of logging them)."""
        self.command_errors.put_nowait(error)


@pytest_asyncio.fixture
async def client(fake_discord: FakeDiscord) -> AsyncIterator[FixtureClient]:
    """A FixtureClient logged in, connected and ready against the fake."""
    async with running_client(FixtureClient(), timeout=TIMEOUT) as ready_client:
        yield ready_client


def _callback_requests(fake: FakeDiscord, interaction_id: str) -> list[RecordedRequest]:
    """Every recorded callback request (accepted or not) for one interaction."""
    return [r for r in fake.requests if r.path.startswith(f"/interactions/{interaction_id}/")]


@pytest.mark.asyncio
async def test_login_ready_and_ephemeral_slash_reply(fake_discord: FakeDiscord, client: FixtureClient) -> None:
    """Login, READY and /ping: an ephemeral type-4 reply that mentions nobody."""
    assert client.user is not None and str(client.user.id) == fake_discord.bot_user_id
    assert client.application_id == int(fake_discord.application_id)
    assert [g.id for g in client.guilds] == [fake_discord.guilds[0].id]

    payload = fake_discord.slash_command("ping")
    body = await fake_discord.interact(payload, TIMEOUT)

    assert body["type"] == 4
    assert body["data"]["content"] == "pong"
    assert body["data"]["flags"] == 64
    assert body["data"]["allowed_mentions"] == {"parse": []}
    original = fake_discord.original_message(payload["id"])
    assert original is not None and original["flags"] & 64
    login = [(r.method, r.path) for r in fake_discord.requests[:2]]
    assert login == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
    assert fake_discord.identify_payloads[0]["token"] == "fake-token"
    fake_discord.assert_no_unknown_requests()


@pytest.mark.asyncio
async def test_autocomplete_answers_with_choices(fake_discord: FakeDiscord, client: FixtureClient) -> None:
    """Typing in an autocompleted option gets a type-8 callback with the matching choices."""
    payload = fake_discord.autocomplete("topic", {"name": "de"}, focused="name")
    assert payload["type"] == 4
    assert payload["data"]["options"] == [{"name": "name", "type": 3, "value": "de", "focused": True}]

    body = await fake_discord.interact(payload, TIMEOUT)

    assert body["type"] == 8
    assert body["data"]["choices"] == [
        {"name": "detainers", "value": "detainers"},
        {"name": "deportation", "value": "deportation"},
    ]


@pytest.mark.asyncio
async def test_button_click_reaches_the_view_callback(fake_discord: FakeDiscord, client: FixtureClient) -> None:
    """A click on a button the bot sent reaches that message's view, which edits it."""
    asked = fake_discord.slash_command("confirm")
    first = await fake_discord.interact(asked, TIMEOUT)
    assert first["data"]["components"][0]["components"][0]["custom_id"] == "faq:confirm"
    message = fake_discord.original_message(asked["id"])
    assert message is not None

    click = fake_discord.component("faq:confirm", user_id=4242)
    assert click["message"]["id"] == message["id"]
    body = await fake_discord.interact(click, TIMEOUT)

    assert body["type"] == 7
    assert await asyncio.wait_for(client.views[0].clicked, TIMEOUT) == 4242
    assert fake_discord.messages[message["id"]]["content"] == "confirmed"
    assert fake_discord.messages[message["id"]]["components"] == []


@pytest.mark.asyncio
async def test_select_menu_values_reach_the_view(fake_discord: FakeDiscord, client: FixtureClient) -> None:
    """A string-select interaction (component_type 3) carries its values to the view."""
    await fake_discord.interact(fake_discord.slash_command("pick"), TIMEOUT)

    select = fake_discord.component("faq:pick", component_type=3, values=["sanctuary cities"])
    assert select["message"]["flags"] & 64
    body = await fake_discord.interact(select, TIMEOUT)

    assert body == {"type": 6}
    assert await asyncio.wait_for(client.views[0].picked, TIMEOUT) == ["sanctuary cities"]


@pytest.mark.asyncio
async def test_subcommand_options_are_typed_from_the_synced_schema(
    fake_discord: FakeDiscord, client: FixtureClient
) -> None:
    """``subcommand="show"`` nests the options; their types come from the sync (count: INTEGER)."""
    await client.tree.sync()
    payload = fake_discord.slash_command("faq", {"entry": "detainers", "count": 2}, subcommand="show")
    (show,) = payload["data"]["options"]
    assert (show["name"], show["type"]) == ("show", 1)
    assert [(o["name"], o["type"]) for o in show["options"]] == [("entry", 3), ("count", 4)]

    body = await fake_discord.interact(payload, TIMEOUT)

    assert body["data"]["content"] == "show detainers x2"


@pytest.mark.asyncio
async def test_member_permissions_roles_locale_and_dms(fake_discord: FakeDiscord, client: FixtureClient) -> None:
    """discord.py reads permissions, roles and locales from the payload, in guilds and in DMs."""
    guild = fake_discord.guilds[0]
    guild.locale = "es-ES"
    moderators = await fake_discord.create_role("moderators")
    with pytest.raises(ValueError, match="not roles of guild"):
        fake_discord.slash_command("whoami", roles=[111])
    admin = fake_discord.slash_command("whoami", permissions=1 << 3, roles=[moderators], locale="es-419")
    member = fake_discord.slash_command("whoami")
    dm = fake_discord.slash_command("whoami", dm=True)

    admin_body = await fake_discord.interact(admin, TIMEOUT)
    member_body = await fake_discord.interact(member, TIMEOUT)
    dm_body = await fake_discord.interact(dm, TIMEOUT)

    expected = f"admin=True roles=[{moderators}] locale=es-419 guild_locale=es-ES dm=False"
    assert admin_body["data"]["content"] == expected
    assert member_body["data"]["content"].startswith("admin=False roles=[] locale=en-US")
    assert dm_body["data"]["content"] == "admin=False roles=[] locale=en-US guild_locale=None dm=True"


@pytest.mark.asyncio
async def test_rate_limited_callback_is_retried_and_delivered(fake_discord: FakeDiscord, client: FixtureClient) -> None:
    """A 429 on the interaction callback is waited out and the reply still arrives."""
    fake_discord.rate_limit_next("POST", r"^/interactions/\d+/[^/]+/callback$", retry_after=0.2)
    payload = fake_discord.slash_command("ping")

    body = await fake_discord.interact(payload, TIMEOUT)

    assert body["data"]["content"] == "pong"
    limited, delivered = _callback_requests(fake_discord, payload["id"])
    assert (limited.status, limited.rate_limited) == (429, True)
    assert delivered.status == 200
    assert delivered.time - limited.time >= 0.2
    assert fake_discord.counters.rate_limits_served == 1


@pytest.mark.asyncio
async def test_rate_limited_rest_call_is_retried(fake_discord: FakeDiscord, client: FixtureClient) -> None:
    """A 429 on a bot-authenticated route (the sync PUT) is waited out by discord.py's HTTPClient."""
    fake_discord.rate_limit_next("PUT", r"/commands$", retry_after=0.1)

    synced = await asyncio.wait_for(client.tree.sync(), TIMEOUT)

    assert "ping" in [command.name for command in synced]
    statuses = [r.status for r in fake_discord.requests if r.method == "PUT"]
    assert statuses == [429, 200]


@pytest.mark.asyncio
async def test_dropped_gateway_resumes_and_answers_the_next_interaction(
    fake_discord: FakeDiscord, client: FixtureClient
) -> None:
    """After a server-side close the client RESUMEs (no new IDENTIFY) and keeps answering."""
    resumed = asyncio.ensure_future(client.wait_for("resumed", timeout=TIMEOUT))

    assert await fake_discord.drop_gateway(code=4000) == 1
    await resumed
    body = await fake_discord.interact(fake_discord.slash_command("ping"), TIMEOUT)

    assert body["data"]["content"] == "pong"
    assert (fake_discord.counters.identifies, fake_discord.counters.resumes) == (1, 1)
    assert fake_discord.counters.gateway_drops == 1


@pytest.mark.asyncio
async def test_interaction_sent_while_disconnected_is_replayed_on_resume(
    fake_discord: FakeDiscord, client: FixtureClient
) -> None:
    """An interaction dispatched while the socket is down is replayed on RESUME."""
    fake_discord.hold_connections()
    await fake_discord.drop_gateway()
    payload = fake_discord.slash_command("ping")
    await fake_discord.dispatch_interaction(payload)
    fake_discord.release_connections()

    body = await fake_discord.wait_for_callback(payload["id"], TIMEOUT)

    assert body["data"]["content"] == "pong"
    assert fake_discord.counters.resumes == 1
    assert fake_discord.counters.events_replayed == 1


@pytest.mark.asyncio
async def test_unresumable_drop_makes_the_client_identify_again(
    fake_discord: FakeDiscord, client: FixtureClient
) -> None:
    """When RESUME is refused (INVALID SESSION) the client IDENTIFYs again and answers."""
    await fake_discord.drop_gateway(code=4000, resumable=False)
    await fake_discord.wait_until(lambda: fake_discord.counters.identifies == 2, TIMEOUT, "a second IDENTIFY")
    await fake_discord.wait_until_ready(TIMEOUT)

    body = await fake_discord.interact(fake_discord.slash_command("ping"), TIMEOUT)

    assert body["data"]["content"] == "pong"
    assert fake_discord.counters.resumes == 0


@pytest.mark.asyncio
async def test_tree_sync_is_recorded_and_its_ids_are_used(fake_discord: FakeDiscord, client: FixtureClient) -> None:
    """Global and guild syncs are PUTs the fake stores; interactions carry the synced ids."""
    synced = await client.tree.sync()

    put = await fake_discord.wait_for_request(lambda r: r.method == "PUT", TIMEOUT)
    assert put.path == f"/applications/{fake_discord.application_id}/commands"
    assert "ping" in [command["name"] for command in put.json]
    ids = {command.name: command.id for command in synced}
    assert ids["ping"] == int(fake_discord.global_commands[0]["id"])
    assert fake_discord.slash_command("ping")["data"]["id"] == str(ids["ping"])

    guild = discord.Object(id=fake_discord.guilds[0].id)
    client.tree.copy_global_to(guild=guild)
    await client.tree.sync(guild=guild)
    payload = fake_discord.slash_command("ping")
    assert payload["data"]["guild_id"] == str(guild.id)
    assert (await fake_discord.interact(payload, TIMEOUT))["data"]["content"] == "pong"


@pytest.mark.asyncio
async def test_localized_names_are_checked_like_discord(fake_discord: FakeDiscord, client: FixtureClient) -> None:
    """A localized name must follow the name rule and differ from its siblings' names in that locale."""
    app_id = fake_discord.application_id

    def command(name: str, localized: dict[str, str], options: list[dict] | None = None) -> dict:
        return {"name": name, "description": "d", "type": 1, "name_localizations": localized, "options": options or []}

    def option(name: str, localized: dict[str, str]) -> dict:
        return {"name": name, "description": "d", "type": 3, "name_localizations": localized}

    accepted = [command("ask", {"es-ES": "preguntar"}, [option("question", {"es-ES": "pregunta"})])]
    stored = await client.http.bulk_upsert_global_commands(app_id, accepted)
    assert stored[0]["name_localizations"] == {"es-ES": "preguntar"}
    refused = [
        [command("ask", {"es-ES": "hacer pregunta"})],
        [command("ask", {"es-ES": "Preguntar"})],
        [command("ask", {"es-ES": "faq"}), command("faq", {})],
        [command("ask", {}, [option("question", {"es-ES": "idioma"}), option("language", {"es-ES": "idioma"})])],
    ]
    for payload in refused:
        with pytest.raises(discord.HTTPException) as caught:
            await client.http.bulk_upsert_global_commands(app_id, payload)
        assert (caught.value.status, caught.value.code) == (400, 50035)
    assert fake_discord.global_commands == stored, "a refused sync changes nothing"


@pytest.mark.asyncio
async def test_deferred_reply_followup_with_file_and_edit(fake_discord: FakeDiscord, client: FixtureClient) -> None:
    """Defer, a multipart followup with a file, then an edit of the original message."""
    payload = fake_discord.slash_command("report")
    body = await fake_discord.interact(payload, TIMEOUT)
    assert body == {"type": 5, "data": {"flags": 64}}

    edit = await fake_discord.wait_for_request(lambda r: r.method == "PATCH", TIMEOUT)
    assert edit.status == 200
    followup = next(r for r in fake_discord.requests if r.method == "POST" and r.path.startswith("/webhooks/"))
    assert followup.json["content"] == "report ready"
    assert [(f.filename, f.data) for f in followup.files] == [("r.csv", b"a,b\n1,2\n")]
    original = fake_discord.original_message(payload["id"])
    assert original is not None
    assert original["content"] == "report ready (edited)"
    assert original["flags"] == 64
    assert [a["filename"] for a in original["attachments"]] == ["r.csv"]


@pytest.mark.asyncio
async def test_discord_limits_are_enforced(fake_discord: FakeDiscord, client: FixtureClient) -> None:
    """Content over 2000 characters is refused with 400/50035, as Discord does."""
    payload = fake_discord.slash_command("long")
    await fake_discord.dispatch_interaction(payload)

    rejected = await fake_discord.wait_for_request(lambda r: r.path.endswith("/callback"), TIMEOUT)

    assert rejected.status == 400
    assert fake_discord.callback_for(payload["id"]) is None
    error = await asyncio.wait_for(client.command_errors.get(), TIMEOUT)
    assert isinstance(error.__cause__, discord.HTTPException)
    assert (error.__cause__.status, error.__cause__.code) == (400, 50035)


@pytest.mark.asyncio
@pytest.mark.fakediscord(interaction_deadline=0.0)
async def test_a_late_callback_is_an_unknown_interaction(fake_discord: FakeDiscord, client: FixtureClient) -> None:
    """A callback after the deadline is refused with 404/10062 Unknown interaction."""
    payload = fake_discord.slash_command("ping")
    await fake_discord.dispatch_interaction(payload)

    late = await fake_discord.wait_for_request(lambda r: r.path.endswith("/callback"), TIMEOUT)

    assert late.status == 404
    assert fake_discord.callback_for(payload["id"]) is None
    error = await asyncio.wait_for(client.command_errors.get(), TIMEOUT)
    assert isinstance(error.__cause__, discord.NotFound)
    assert error.__cause__.code == 10062


@pytest.mark.asyncio
async def test_unknown_routes_are_answered_404_and_recorded(fake_discord: FakeDiscord, client: FixtureClient) -> None:
    """A route the fake does not implement answers 404 and is listed for assertions."""
    with pytest.raises(discord.NotFound):
        await client.fetch_channel(1234)

    assert [(r.method, r.path) for r in fake_discord.unknown_requests] == [("GET", "/channels/1234")]
    with pytest.raises(AssertionError, match="/channels/1234"):
        fake_discord.assert_no_unknown_requests()


@pytest.mark.asyncio
async def test_a_wrong_token_fails_login() -> None:
    """With a configured token, a different one is refused (discord.py: LoginFailure)."""
    async with FakeDiscord(token="right-token") as fake:
        with redirect_discord(fake):
            bot = MinimalClient()
            with pytest.raises(discord.LoginFailure):
                await bot.login("wrong-token")
            await bot.close()
    assert fake.requests[0].status == 401


@pytest.mark.asyncio
@pytest.mark.fakediscord(allowed_intents=discord.Intents.default().value)
async def test_privileged_intents_can_be_refused(fake_discord: FakeDiscord) -> None:
    """With ``allowed_intents`` set, asking for more closes the gateway with 4014, as Discord does."""
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running_client(MinimalClient(intents=discord.Intents.all()), timeout=TIMEOUT):
            pass


@pytest.mark.asyncio
async def test_members_intent_gets_its_member_chunk(fake_discord: FakeDiscord) -> None:
    """With the members intent discord.py requests a member chunk; the fake answers it."""
    intents = discord.Intents(guilds=True, members=True)
    async with running_client(MinimalClient(intents=intents), timeout=TIMEOUT) as bot:
        (guild,) = bot.guilds
        assert guild.chunked
        assert {m.id for m in guild.members} == {int(fake_discord.bot_user_id), guild.owner_id}


@pytest.mark.asyncio
async def test_sharded_client_gets_each_guild_on_its_own_shard() -> None:
    """AutoShardedClient: two shards from /gateway/bot, and guild events on the right one."""
    now_ms = 1_700_000_000_000
    even, odd = FakeGuild(id=make_snowflake(now_ms)), FakeGuild(id=make_snowflake(now_ms + 1))
    assert (even.shard_id(2), odd.shard_id(2)) == (0, 1)
    async with FakeDiscord(guilds=[even, odd], shard_count=2) as fake:
        with redirect_discord(fake):
            async with running_client(MinimalShardedClient(), timeout=TIMEOUT) as sharded:
                await fake.wait_until_ready(TIMEOUT, shards=2)
                assert sharded.shard_count == 2
                payload = fake.slash_command("ping", guild_id=odd.id)

                body = await fake.interact(payload, TIMEOUT)

                assert body["data"]["content"] == "pong"
                (shard_one,) = [s for s in fake.sessions.values() if s.shard_id == 1]
                assert payload["id"] in [f["d"].get("id") for f in shard_one.backlog]
    assert any(r.path == "/gateway/bot" for r in fake.requests)


def test_redirect_patches_and_restores_discord_py() -> None:
    """The redirect patches Route.BASE and DEFAULT_GATEWAY and restores both."""
    before = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    with redirect_discord("http://127.0.0.1:9"):
        assert Route.BASE == "http://127.0.0.1:9/api/v10"
        assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:9/"
    restored = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    assert restored == before


@pytest.mark.asyncio
async def test_launcher_runs_an_entry_point_in_a_subprocess(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """The launcher redirects a subprocess: it syncs, answers /ping and exits on SIGINT."""
    stderr = (tmp_path / "stderr.txt").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakediscord.launch",
        "--base",
        fake_discord.base_url,
        "--entry",
        "tests.fakediscord.minimal:main",
        "--",
        "--sync",
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=stderr,
    )
    try:
        await fake_discord.wait_for_request(lambda r: r.method == "PUT", 20.0)
        body = await fake_discord.interact(fake_discord.slash_command("ping"), TIMEOUT)
        assert body["data"]["content"] == "pong"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(process.wait(), 10.0)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            stderr.close()
    assert process.returncode == 0, (tmp_path / "stderr.txt").read_text()
