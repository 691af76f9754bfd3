"""The French, Spanish and German glossaries carry the AI Recommendation's vocabulary
(OECD/LEGAL/0449), each term read as the text's own English wording, so a question about AI in
those languages is searched with the words its clauses use. Unit tests: corpus files only, no
model."""

from __future__ import annotations

import tomllib
from functools import cache

import pytest

from assistant.corpus.instruments import Corpus
from assistant.retrieval.query import QueryRewriter
from assistant.settings import PROJECT_ROOT

CORPUS_DIR = PROJECT_ROOT / "corpus"
AI_TEXT = CORPUS_DIR / "oecd-legal-0449.txt"

# An official's word for each notion of the AI text, and the text's wording it must read as.
AI_NOTIONS: dict[str, dict[str, str]] = {
    "fr": {
        "intelligence artificielle": "AI",
        "ia": "AI",
        "système d'ia": "AI system",
        "acteurs de l'ia": "AI actors",
        "cycle de vie": "lifecycle",
        "parties prenantes": "stakeholders",
        "biais": "bias",
        "équité": "fairness",
        "robustesse": "robustness",
        "sûreté": "safety",
        "explicabilité": "explainability",
        "transparence": "transparency",
        "redevabilité": "accountability",
        "traçabilité": "traceability",
        "droits de l'homme": "human rights",
        "valeurs démocratiques": "democratic values",
        "vie privée": "privacy",
        "protection des données": "data protection",
        "pme": "SMEs",
        "travailleurs": "workers",
        "marché du travail": "labour market",
        "populations sous-représentées": "underrepresented populations",
        "croissance inclusive": "inclusive growth",
        "développement durable": "sustainable development",
        "bien-être": "well-being",
        "recherche et développement": "research and development",
        "écosystème numérique": "digital ecosystem",
        "normes techniques": "technical standards",
        "coopération internationale": "international co-operation",
        "pays en développement": "developing countries",
    },
    "es": {
        "inteligencia artificial": "AI",
        "ia": "AI",
        "sistema de ia": "AI system",
        "actores de la ia": "AI actors",
        "ciclo de vida": "lifecycle",
        "partes interesadas": "stakeholders",
        "sesgo": "bias",
        "equidad": "fairness",
        "robustez": "robustness",
        "explicabilidad": "explainability",
        "transparencia": "transparency",
        "rendición de cuentas": "accountability",
        "trazabilidad": "traceability",
        "derechos humanos": "human rights",
        "valores democráticos": "democratic values",
        "privacidad": "privacy",
        "protección de datos": "data protection",
        "pymes": "SMEs",
        "trabajadores": "workers",
        "mercado laboral": "labour market",
        "igualdad de género": "gender equality",
        "entorno de pruebas": "experimentation controlled environment",
        "crecimiento inclusivo": "inclusive growth",
        "desarrollo sostenible": "sustainable development",
        "bienestar": "well-being",
        "investigación y desarrollo": "research and development",
        "ecosistema digital": "digital ecosystem",
        "normas técnicas": "technical standards",
        "cooperación internacional": "international co-operation",
        "países en desarrollo": "developing countries",
    },
    "de": {
        "künstliche intelligenz": "AI",
        "ki": "AI",
        "ki-system": "AI system",
        "ki-akteure": "AI actors",
        "lebenszyklus": "lifecycle",
        "interessengruppen": "stakeholders",
        "verzerrung": "bias",
        "robustheit": "robustness",
        "erklärbarkeit": "explainability",
        "transparenz": "transparency",
        "rechenschaftspflicht": "accountability",
        "rückverfolgbarkeit": "traceability",
        "menschenrechte": "human rights",
        "demokratische werte": "democratic values",
        "datenschutz": "privacy and data protection",
        "kmu": "SMEs",
        "arbeitnehmer": "workers",
        "arbeitsmarkt": "labour market",
        "gleichstellung": "gender equality",
        "reallabor": "experimentation controlled environment",
        "experimentierraum": "experimentation controlled environment",
        "inklusives wachstum": "inclusive growth",
        "nachhaltige entwicklung": "sustainable development",
        "wohlergehen": "well-being",
        "forschung und entwicklung": "research and development",
        "digitales ökosystem": "digital ecosystem",
        "technische normen": "technical standards",
        "internationale zusammenarbeit": "international co-operation",
        "entwicklungsländer": "developing countries",
    },
}
# Values whose words the AI text uses, but not side by side.
NOT_VERBATIM = {"gender equality", "experimentation controlled environment"}


@cache
def rewriter() -> QueryRewriter:
    """Built as the services build it: the French glossary named, the others found beside it."""
    return QueryRewriter(Corpus.load(CORPUS_DIR), CORPUS_DIR / "glossary-fr.toml")


def glossary(lang: str) -> dict[str, str]:
    text = (CORPUS_DIR / f"glossary-{lang}.toml").read_text(encoding="utf-8")
    terms: dict[str, str] = tomllib.loads(text)["terms"]
    return terms


@pytest.mark.parametrize("lang", sorted(AI_NOTIONS))
def test_glossary_reads_ai_notions_as_the_texts_wording(lang: str) -> None:
    """Each notion is a key of the language's glossary, its value is the wording the notion
    expects, and that wording occurs in the AI Recommendation's text."""
    terms = glossary(lang)
    ai_text = AI_TEXT.read_text(encoding="utf-8").lower()
    for key, english in AI_NOTIONS[lang].items():
        assert terms.get(key) == english, f"{lang}: {key!r} reads as {terms.get(key)!r}"
        if english not in NOT_VERBATIM:
            assert english.lower() in ai_text, f"{english!r} is not the AI text's wording"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "Quelles sont les phases du cycle de vie d'un système d'IA ?",
            "what are the phases of the AI system lifecycle ?",
        ),
        (
            "L'IA au travail doit-elle améliorer la sécurité des travailleurs ?",
            "the AI at work should it improve the safety of workers ?",
        ),
        (
            "¿Qué dice la OCDE sobre una transición justa para los trabajadores?",
            "what says the OECD about a fair transition for the workers?",
        ),
        (
            "¿Deben los sistemas de IA ser robustos y seguros?",
            "should the AI systems be robust and safe?",
        ),
        (
            "Müssen KI-Akteure Rückverfolgbarkeit gewährleisten?",
            "must AI actors traceability ensure?",
        ),
        (
            "Was sagt die Empfehlung über vertrauenswürdige KI und KMU?",
            "what does the Recommendation say about trustworthy AI and SMEs?",
        ),
    ],
)
def test_glossary_rewrites_ai_questions(question: str, expected: str) -> None:
    assert rewriter().rewrite(question) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Qu'est-ce qu'un dossier d'investissement ?", "what is a business case ?"),
        ("¿Qué es el valor público?", "what is the public value?"),
        (
            "Wer überwacht die Umsetzung der Empfehlung?",
            "who monitors the implementation the Recommendation?",
        ),
    ],
)
def test_glossary_keeps_digital_government_wording(question: str, expected: str) -> None:
    """The first instrument's terms read as before the AI vocabulary was added."""
    assert rewriter().rewrite(question) == expected
