"""Choosing the reply language, and adding a language as content only."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.engine import Engine
from bot.errors import FAQLoadError
from bot.language import choose_language, detect_language, language_for_locale
from tests.conftest import FAQBuilder, entry, ftca_entry

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
    "quote_label": "Citação (em inglês)",
    "topics_hint": "Veja os temas com /faq topics.",
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
    assert language_for_locale(faq, "es-419") == "es" and language_for_locale(faq, "fr") is None


def add_portuguese(folder: Path, translate: bool = True) -> None:
    """Add a third language to a temporary FAQ folder, touching only content files."""
    spanish = yaml.safe_load((folder / "languages" / "es.yaml").read_text(encoding="utf-8"))
    # Every message must exist; untranslated ones keep the Spanish text in this test.
    pack = {
        "name": "Português",
        "locales": ["pt-BR"],
        "stopwords": ["o", "os", "um", "uma", "do", "da", "que", "é", "para", "com", "não", "meu", "minha"],
        "personal_patterns": [r"\bmeu (marido|filho|irmao)\b"],
        "messages": {**spanish["messages"], **PORTUGUESE_MESSAGES},
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
    answer = engine.ask("o detainer do ICE é obrigatório para a cadeia?")
    assert (answer.lang, answer.status, answer.entry_id) == ("pt", "answer", "detainer-is-request")
    assert answer.text is not None and answer.text.startswith("Uma checagem")
    assert answer.disclaimer == PORTUGUESE_MESSAGES["disclaimer"]
    assert engine.ask("ftca", locales=["pt-BR"]).lang == "pt"
    assert engine.show("ftca-vs-personal-suit", lang="pt").title.startswith("O que é")


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
