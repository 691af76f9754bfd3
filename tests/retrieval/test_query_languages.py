"""Questions in French, Spanish and German: language detection, rewriting with each language's
glossary, and the glossary files' own rules (the header comment of corpus/glossary-fr.toml).

Unit tests use the corpus files and no model; the one integration test asks Spanish and German
questions through the real services."""

from __future__ import annotations

import json
import re
import tomllib
from functools import cache
from pathlib import Path

import pytest

from assistant.corpus.instruments import Corpus
from assistant.retrieval.languages import detect_language
from assistant.retrieval.query import QueryRewriter, term_pattern
from assistant.services import Services
from assistant.settings import PROJECT_ROOT

CORPUS_DIR = PROJECT_ROOT / "corpus"
LANGUAGES = ("fr", "es", "de")
VALUE_WORD_RE = re.compile(r"[a-z]+(?:['-][a-z]+)*")
# Value words the corpus (text, paraphrases, English glossary) does not use as such: inflections
# of its words and plain function words. Any other value word is a word the text never uses.
ALLOWED_VALUE_WORDS = frozenset(
    "adhered adherence aims applies area avoids balance binding co-operate co-ordinates contract "
    "defines deploy dissemination engaged example extent invited legally minister often order "
    "outsource prototype recommended recruitment regarding reported reports says seize tested "
    "train vendor very whom".split()
)
# Spellings without accents, umlauts or ß that people type ("plain=exact"), next to the exact one.
UNACCENTED = {
    "es": "recomendacion=recomendación publica=pública politica=política como=cómo cual=cuál "
    "quien=quién cuando=cuándo donde=dónde tecnologia=tecnología participacion=participación "
    "administracion=administración implementacion=implementación evaluacion=evaluación "
    "gestion=gestión financiacion=financiación segun=según",
    "de": "fuer=für fur=für ueber=über uber=über muessen=müssen oeffentliche=öffentliche "
    "buerger=bürger behoerden=behörden ueberwachung=überwachung koennen=können "
    "massnahmen=maßnahmen ueberwacht=überwacht gemaess=gemäß datensaetze=datensätze",
}
# The Recommendation's key notions and the words officials ask with: each is a key.
KEY_NOTIONS = {
    "es": "caso de negocio|propuesta de valor|umbral presupuestario|partes interesadas|apertura|"
    "transparencia|inclusión|participación|cultura de datos|privacidad|seguridad digital|"
    "gestión de riesgos|liderazgo|compromiso político|coordinación|uso coherente|"
    "contratación pública|activos existentes|marco jurídico|capacidades institucionales|"
    "seguimiento|implementación|competencias digitales|ocde|consejo|gobierno digital|"
    "valor público|qué dice|quién|supervisa|deben",
    "de": "wirtschaftlichkeitsbetrachtung|nutzenversprechen|budgetschwelle|interessengruppen|"
    "offenheit|transparenz|inklusion|beteiligung|datengetriebene kultur|datenschutz|"
    "digitale sicherheit|risikomanagement|führung|politisches engagement|koordinierung|"
    "kohärente nutzung|beschaffung|vorhandene ressourcen|rechtsrahmen|"
    "institutionelle kapazitäten|überwachung|umsetzung|digitale kompetenzen|digitalstrategie|"
    "öffentliche verwaltung|oecd-rat|digitale verwaltung|was sagt|wer|überwacht|sollen",
}


@cache
def corpus() -> Corpus:
    return Corpus.load(CORPUS_DIR)


@cache
def rewriter() -> QueryRewriter:
    """Built as the services build it: the French glossary named, the others found beside it."""
    return QueryRewriter(corpus(), CORPUS_DIR / "glossary-fr.toml")


def terms(lang: str) -> dict[str, str]:
    text = (CORPUS_DIR / f"glossary-{lang}.toml").read_text(encoding="utf-8")
    terms: dict[str, str] = tomllib.loads(text)["terms"]
    return terms


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("What does the Recommendation say about open data?", "en"),
        ("Who monitors implementation?", "en"),
        ("Was the Recommendation adopted in 2014?", "en"),
        ("Do we need a business case above a budget threshold?", "en"),
        ("Que dit la Recommandation sur la fracture numérique ?", "fr"),
        ("Faut-il un dossier d'investissement ?", "fr"),
        ("C'est quoi l'Open Data ?", "fr"),
        ("¿Qué dice la Recomendación sobre la brecha digital?", "es"),
        ("¿Qué es un Business Case?", "es"),
        ("¿Qué es Open Data?", "es"),
        ("Quien supervisa la aplicacion?", "es"),
        ("Open Data: ¿qué pide la OCDE a los gobiernos?", "es"),
        ("Was sagt die Empfehlung zur digitalen Kluft?", "de"),
        ("Was ist ein Business Case?", "de"),
        ("Wer überwacht das?", "de"),
        ("Brauchen Behörden Richtlinien für Open Data?", "de"),
        ("Datenschutz für Behörden?", "de"),
        ("Che cosa dice la raccomandazione sui dati aperti?", "other"),
        ("O que diz a Recomendação sobre dados abertos?", "other"),
        ("Wat zegt de aanbeveling over open data?", "other"),
        ("Co mówi zalecenie o otwartych danych?", "other"),
        ("Что говорит рекомендация об открытых данных?", "other"),
    ],
)
def test_detects_the_language(question: str, language: str) -> None:
    assert detect_language(question) == language
    assert rewriter().detect_language(question) == language


def test_gold_questions_keep_their_language() -> None:
    """French questions of the gold set stay French (the rule they were always read by), and
    no English one is taken for another language."""
    lines = (PROJECT_ROOT / "evals" / "datasets" / "gold.jsonl").read_text().splitlines()
    for row in (json.loads(line) for line in lines if line.strip()):
        expected = "fr" if row["type"] == "french" else "en"
        assert detect_language(row["question"]) == expected, row["question"]


@pytest.mark.parametrize(
    ("question", "rewritten"),
    [
        (
            "¿Qué dice la Recomendación sobre la brecha digital?",
            "what does the Recommendation say about the digital divides?",
        ),
        (
            "¿Quién supervisa la aplicación de la Recomendación?",
            "who monitors the implementation of the Recommendation?",
        ),
        (
            "¿Hay que revisar el marco juridico?",
            "we need to review the legal and regulatory frameworks?",
        ),
        (
            "Wer überwacht die Umsetzung der Empfehlung?",
            "who monitors the implementation the Recommendation?",
        ),
        (
            "Brauchen wir für große IT-Projekte einen Business Case?",
            "need we for major digital technologies projects a business case?",
        ),
        (
            "Braucht es Kontrollen bei IT-Ausgaben?",
            "is there a need for checks at spending on technology?",
        ),
        (
            "Müssen Transparenz- und Rechenschaftsregeln angepasst werden?",
            "must transparency- and accountability regulations adapted be?",
        ),
        (
            "Wann wurde die Empfehlung vom OECD-Rat angenommen?",
            "when has been the Recommendation from the OECD Council adopted?",
        ),
        (
            "Que dit la Recommandation sur la fracture numérique ?",
            "what does the Recommendation say about the digital divides ?",
        ),
    ],
)
def test_rewrites_with_the_language_glossary(question: str, rewritten: str) -> None:
    assert rewriter().rewrite(question) == rewritten


def test_other_languages_are_not_rewritten_with_a_glossary() -> None:
    italian = "Che cosa dice la raccomandazione sui dati aperti?"
    assert rewriter().rewrite(italian) == rewriter().correct_typos(italian)


def test_glossaries_are_found_by_name(tmp_path: Path) -> None:
    (tmp_path / "glossary-es.toml").write_text('[terms]\n"brecha digital" = "digital divides"\n')
    found = QueryRewriter(corpus(), glossary_dir=tmp_path)
    assert (
        found.rewrite("¿Qué dice sobre la brecha digital?") == "qué dice sobre la digital divides?"
    )
    assert found.terms("de") == [] and found.terms("fr") == []
    beside_french = QueryRewriter(corpus(), tmp_path / "glossary-fr.toml")
    assert beside_french.glossary_dir == tmp_path and beside_french.terms("es")


def test_services_rewrite_spanish_and_german(fake_index: Services) -> None:
    search = fake_index.search
    assert search.rewrite("¿Qué es el valor público?") == "what is the public value?"
    assert search.rewrite("Was ist öffentlicher Wert?") == "what is public value?"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_glossary_keys_follow_the_format(lang: str) -> None:
    """Lower-case, trimmed, single-spaced keys with straight apostrophes; no key that only
    repeats its English value; hundreds of entries, as the French glossary has."""
    glossary = terms(lang)
    assert len(glossary) >= 300
    for key, value in glossary.items():
        assert isinstance(value, str), key
        assert key == key.lower() == key.strip() and "  " not in key and key, key
        assert "\u2019" not in key and "¿" not in key, key
        assert key != value.lower(), f"{key!r} only repeats its value"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_value_is_rewritten_again(lang: str) -> None:
    """Keys are applied longest first, each on the text as already rewritten: a value must not
    contain a key applied after it (checked with the rewriter's own compiled patterns)."""
    ordered = sorted(terms(lang).items(), key=lambda kv: -len(kv[0]))
    patterns = [pattern for pattern, _ in rewriter().patterns(lang)]
    assert [p.pattern for p in patterns] == [term_pattern(k, lang).pattern for k, _ in ordered]
    for index, (key, value) in enumerate(ordered):
        later = [p.pattern for p in patterns[index + 1 :] if p.search(value)]
        assert not later, f"{lang}: value of {key!r} ({value!r}) is matched by {later[0]!r}"


def test_a_key_alone_reads_as_its_value() -> None:
    for lang in LANGUAGES:
        for key in ("que", "qu'", "la", "données ouvertes", "qué dice", "digitalstrategie"):
            if key in terms(lang):
                assert rewriter().from_language(key, lang) == terms(lang)[key].strip()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_values_use_the_recommendations_wording(lang: str) -> None:
    vocabulary: set[str] = set()
    texts = [c.text for c in corpus().clauses] + [c.heading for c in corpus().clauses]
    texts += [q for c in corpus().clauses for q in corpus().paraphrases(c)]
    texts += list(corpus().glossary) + [p for ps in corpus().glossary.values() for p in ps]
    for text in texts:
        vocabulary.update(VALUE_WORD_RE.findall(text.lower()))
    for key, value in terms(lang).items():
        unknown = set(VALUE_WORD_RE.findall(value.lower())) - vocabulary - ALLOWED_VALUE_WORDS
        assert not unknown, f"{lang}: {key!r} = {value!r} uses {sorted(unknown)}"


@pytest.mark.parametrize("lang", ["es", "de"])
def test_unaccented_variants_and_key_notions(lang: str) -> None:
    glossary = terms(lang)
    for plain, exact in (pair.split("=") for pair in UNACCENTED[lang].split()):
        assert glossary.get(plain) == glossary[exact], f"{plain!r} should read as {exact!r}"
    missing = [notion for notion in KEY_NOTIONS[lang].split("|") if notion not in glossary]
    assert not missing


def test_headers_state_the_matching_rules() -> None:
    for lang in LANGUAGES:
        header = (
            (CORPUS_DIR / f"glossary-{lang}.toml").read_text(encoding="utf-8").split("[terms]")[0]
        )
        assert "longest first" in header and "whole words" in header and "lower-case" in header


def _paragraph(clause_id: str) -> str:
    parts = clause_id.split(".")
    return ".".join(parts[:2]) if len(parts) == 3 and parts[0] in {"II", "III", "IV"} else clause_id


# One question per paragraph topic, in everyday wording, with the clause that answers it.
ASKED = {
    "es": [
        ("¿Qué dice la Recomendación sobre la brecha digital?", "II.1.iii"),
        ("¿Cómo involucrar a la sociedad civil en el diseño de los servicios públicos?", "II.2"),
        ("¿Cómo debemos proteger la privacidad y la seguridad digital?", "II.4"),
        ("¿Quién debe coordinar la implementación de la estrategia digital?", "III.7.i"),
        ("¿Qué se necesita para justificar la financiación de un proyecto digital?", "IV.9"),
        ("¿Hay que probar prototipos con los usuarios antes de ampliar un servicio?", "IV.10.v"),
        ("¿Qué dice sobre la contratación pública de tecnología?", "IV.11"),
        ("¿Quién supervisa la aplicación de la Recomendación?", "VIII"),
    ],
    "de": [
        ("Was sagt die Empfehlung zur digitalen Kluft?", "II.1.iii"),
        ("Wie schafft man eine datengetriebene Kultur in der Verwaltung?", "II.3"),
        ("Wie sollen wir mit Datenschutz und digitaler Sicherheit umgehen?", "II.4"),
        ("Welche Rolle spielt das politische Engagement der Führung?", "III.5"),
        ("Brauchen wir für große IT-Projekte einen Business Case?", "IV.9"),
        (
            "Welche digitalen Kompetenzen brauchen die Beschäftigten im öffentlichen Dienst?",
            "IV.10.iv",
        ),
        (
            "Sollen wir die Rechtsvorschriften überprüfen, damit digitale Chancen genutzt werden?",
            "IV.12",
        ),
        ("Wer überwacht die Umsetzung der Empfehlung?", "VIII"),
    ],
}


@pytest.mark.integration
@pytest.mark.parametrize("lang", ["es", "de"])
def test_spanish_and_german_questions_are_answered(real_services: Services, lang: str) -> None:
    """At least 7 of 8 answered, citing the expected clause, its paragraph or a sub-item."""
    right = []
    for question, expected in ASKED[lang]:
        answer = real_services.answers.ask(question)
        cited = {c.clause_id for c in answer.citations}
        hit = {expected, _paragraph(expected)} & (cited | {_paragraph(c) for c in cited})
        right.append(not answer.abstained and bool(hit))
    assert sum(right) >= 7, [q for (q, _), ok in zip(ASKED[lang], right, strict=True) if not ok]
