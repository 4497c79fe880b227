"""Choosing the reply language, and adding a language as content only."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.answer import render_text
from bot.cli import main
from bot.engine import Engine
from bot.errors import FAQLoadError
from bot.language import choose_language, detect_language, language_for_locale
from tests.cogs.conftest import make_bot
from tests.conftest import FAQBuilder, entry, ftca_entry, set_spanish_message

PORTUGUESE_MONTHS = ["janeiro", "fevereiro", "março", "abril", "maio", "junho"]
PORTUGUESE_MONTHS += ["julho", "agosto", "setembro", "outubro", "novembro", "dezembro"]
PORTUGUESE_MESSAGES = {
    "disclaimer": "Informação jurídica, não aconselhamento jurídico. Consulte um advogado de imigração.",
    "referral": "Procure um escritório local de assistência jurídica.",
    "personal_warning": "Isto parece uma situação real. Procure um advogado agora.",
    "no_match": "Não tenho uma resposta revisada para isso.",
    "suggest_intro": "Você quis dizer uma destas?",
    "truncated": "Li apenas os primeiros {limit} caracteres.",
    "sources": "Fontes",
    "checked": "verificada em {date}",
    "date_not_stated": "data não informada",
    "date_format": "{day} de {month} de {year}",
    "quote_label": "Citação (em inglês)",
    "topics_hint": "Veja os temas com /perguntas-frequentes temas.",
}
PORTUGUESE_NAMES = {
    "command_ask_name": "perguntar",
    "option_ask_question_name": "pergunta",
    "option_ask_public_name": "publicar",
    "option_ask_language_name": "idioma",
    "command_faq_name": "perguntas-frequentes",
    "command_faq_topics_name": "temas",
    "command_faq_show_name": "mostrar",
    "option_show_entry_name": "entrada",
    "command_faq_reload_name": "recarregar",
}


def test_explicit_choice_wins_then_question_then_locales(small_engine: Engine) -> None:
    faq = small_engine.faq
    assert choose_language(faq, "is an ice hold mandatory", explicit="es") == "es"
    assert choose_language(faq, "¿la orden de retención es obligatoria?", locales=["en-US"]) == "es"
    assert choose_language(faq, "ice hold", locales=["es-419", "en-US"]) == "es"
    assert choose_language(faq, "ice hold", locales=[None, "es-ES"]) == "es"
    assert choose_language(faq, "ice hold", locales=["ja"]) == "en"
    assert choose_language(faq, "ice hold", explicit="xx") == "en"


def test_detection_needs_a_clear_signal(small_engine: Engine) -> None:
    faq = small_engine.faq
    assert detect_language(faq, "what is the FTCA") == "en"
    assert detect_language(faq, "que es la FTCA") == "es"
    assert detect_language(faq, "FTCA 287g") is None


def test_a_short_word_in_capitals_is_an_acronym_unless_the_member_shouts(small_engine: Engine) -> None:
    faq = small_engine.faq
    assert detect_language(faq, "que es la FTCA") == "es"
    assert detect_language(faq, "what is the FTCA in LA") == "en"
    assert detect_language(faq, "rapid response hotline LA") is None
    assert detect_language(faq, "QUE ES LA FTCA") == "es"
    assert language_for_locale(faq, "es-419") == "es" and language_for_locale(faq, "fr") is None


def add_portuguese(folder: Path, translate: bool = True) -> None:
    """Add a third language to a temporary FAQ folder, touching only content files."""
    spanish = yaml.safe_load((folder / "languages" / "es.yaml").read_text(encoding="utf-8"))
    # Every message must exist; untranslated ones keep the Spanish text in this test.
    pack = {
        "name": "Português",
        "locales": ["pt-BR"],
        "months": PORTUGUESE_MONTHS,
        "stopwords": ["o", "os", "um", "uma", "do", "da", "que", "é", "para", "com", "não", "meu", "minha"],
        "personal_patterns": [r"\bmeu (marido|filho|irmao)\b"],
        "messages": {**spanish["messages"], **PORTUGUESE_MESSAGES, **PORTUGUESE_NAMES},
    }
    (folder / "languages" / "pt.yaml").write_text(yaml.safe_dump(pack, allow_unicode=True), encoding="utf-8")
    topics = yaml.safe_load((folder / "topics.yaml").read_text(encoding="utf-8"))
    for labels in topics["topics"].values():
        labels["pt"] = labels["en"]
    (folder / "topics.yaml").write_text(yaml.safe_dump(topics, allow_unicode=True), encoding="utf-8")
    data = yaml.safe_load((folder / "main.yaml").read_text(encoding="utf-8"))
    if translate:
        data["entries"][0]["translations"]["pt"] = {
            "question": "A ordem de detenção (detainer) do ICE é obrigatória?",
            "answer": "Uma checagem de fatos concluiu que os detainers são pedidos, não ordens.",
            "alternates": ["detainer do ice", "o detainer é obrigatório", "ordem de detenção", "retenção do ice"],
        }
        data["entries"][1]["translations"]["pt"] = {
            "question": "O que é a Lei Federal de Reclamações por Danos (FTCA)?",
            "answer": "Segundo as reportagens, costuma-se processar os Estados Unidos pela FTCA.",
            "alternates": ["ftca", "processar o governo federal", "lei de reclamações", "reclamação por danos"],
        }
    (folder / "main.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_a_third_language_is_an_addition_to_content_not_code(make_faq: FAQBuilder) -> None:
    folder = make_faq({"main.yaml": [entry(), ftca_entry()]})
    add_portuguese(folder)
    engine = Engine.load(folder)
    assert set(engine.faq.languages) == {"en", "es", "pt"}
    answer = engine.ask("o detainer do ICE é obrigatório?")
    assert (answer.lang, answer.status, answer.entry_id) == ("pt", "answer", "detainer-is-request")
    assert answer.text is not None and answer.text.startswith("Uma checagem")
    assert answer.disclaimer == PORTUGUESE_MESSAGES["disclaimer"]
    assert engine.ask("ftca", locales=["pt-BR"]).lang == "pt"
    assert engine.show("ftca-vs-personal-suit", lang="pt").title.startswith("O que é")
    # The fact-check's date, "August 20, 2025" in its source, in the pack's own words.
    assert "verificada em 20 de agosto de 2025" in render_text(answer)


async def test_a_third_language_names_the_commands_too(make_faq: FAQBuilder) -> None:
    """The Portuguese pack alone gives Portuguese-locale members Portuguese command and option names."""
    folder = make_faq({"main.yaml": [entry(), ftca_entry()]})
    add_portuguese(folder)
    bot = make_bot(Engine.load(folder))
    await bot.setup_hook()
    assert bot.tree.translator is not None
    ask, faq = [await c.get_translated_payload(bot.tree, bot.tree.translator) for c in bot.tree.get_commands()]
    assert ask["name_localizations"]["pt-BR"] == "perguntar" and ask["name_localizations"]["es-ES"] == "preguntar"
    assert [o["name_localizations"]["pt-BR"] for o in ask["options"]] == ["pergunta", "publicar", "idioma"]
    assert faq["name_localizations"]["pt-BR"] == "perguntas-frequentes"
    assert [o["name_localizations"]["pt-BR"] for o in faq["options"]] == ["temas", "mostrar", "recarregar"]
    assert faq["options"][1]["options"][0]["name_localizations"]["pt-BR"] == "entrada"
    assert ask["name"] == "ask" and [o["name"] for o in ask["options"]] == ["question", "public", "language"]


def test_a_language_pack_makes_its_translation_required(make_faq: FAQBuilder) -> None:
    folder = make_faq({"main.yaml": [entry(), ftca_entry()]})
    add_portuguese(folder, translate=False)
    with pytest.raises(FAQLoadError) as caught:
        Engine.load(folder)
    messages = [str(e) for e in caught.value.errors]
    assert len(messages) == 2 and all("missing the Português (pt) translation" in m for m in messages)


def test_a_language_pack_missing_a_message_is_refused(make_faq: FAQBuilder) -> None:
    folder = make_faq()
    pack = yaml.safe_load((folder / "languages" / "es.yaml").read_text(encoding="utf-8"))
    del pack["messages"]["disclaimer"]
    (folder / "languages" / "es.yaml").write_text(yaml.safe_dump(pack, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FAQLoadError) as caught:
        Engine.load(folder)
    errors = caught.value.errors
    assert len(errors) == 1, "the pack is reported once, not again in every entry translated into Spanish"
    assert errors[0].path.name == "es.yaml" and "message 'disclaimer' is missing" in str(errors[0])


@pytest.mark.parametrize(
    ("key", "name", "expected"),
    [
        ("command_ask_name", "hacer pregunta", "'hacer pregunta' has a space; a command name uses only letters"),
        ("command_ask_name", "Preguntar", "'Preguntar' has capital letters; a command name is lowercase ('preguntar')"),
        ("option_ask_question_name", "¿pregunta?", "'¿pregunta?' has '¿'"),
        ("command_faq_name", "p" * 33, "is 33 characters; a command name has 1 to 32"),
        ("command_faq_show_name", "temas", "'temas' is also the name of message 'command_faq_topics_name'"),
        ("option_ask_language_name", "pregunta", "is also the name of message 'option_ask_question_name'"),
        ("command_faq_reload_name", "stats", "'stats' is also the name of the untranslated command 'stats'"),
    ],
    ids=["space", "capital", "punctuation", "too-long", "same-as-a-subcommand", "same-as-an-option", "insights"],
)
def test_a_command_name_discord_would_refuse_is_refused_with_file_line_and_key(
    make_faq: FAQBuilder, key: str, name: str, expected: str
) -> None:
    folder = make_faq()
    path = set_spanish_message(folder, key, name)
    line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if f"{key}:" in text)
    with pytest.raises(FAQLoadError) as caught:
        Engine.load(folder)
    (error,) = (str(e) for e in caught.value.errors)
    assert error.startswith(f"{path}:{line}: message {key!r}: ")
    assert expected in error


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("command_ask_name", "preguntá"),
        ("command_ask_name", "pregunta_2"),
        ("command_faq_name", "p" * 32),
        ("command_ask_name", "प्रश्न"),
        ("command_ask_name", "ถาม"),
        ("option_show_entry_name", "pregunta"),
    ],
    ids=["accent", "digit-underscore", "32-characters", "devanagari", "thai", "same-name-on-another-level"],
)
def test_names_discord_accepts_load(make_faq: FAQBuilder, key: str, name: str) -> None:
    folder = make_faq()
    set_spanish_message(folder, key, name)
    assert Engine.load(folder).faq.message(key, "es") == name


def test_faqbot_check_refuses_a_bad_command_name(make_faq: FAQBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_faq()
    path = set_spanish_message(folder, "command_faq_topics_name", "ver temas")
    assert main(["check", "--faq", str(folder)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:" in err and "message 'command_faq_topics_name': 'ver temas' has a space" in err
