"""Telling claims from the rest of a draft: headings with a document's labels, chatty openers
and greetings or opinions in French, Spanish and German (rules only, no model)."""

from __future__ import annotations

import pytest

from assistant.checking.claims import non_claim_reason


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Annex B: Timeline of the adoption of the Recommendation", "a heading"),
        ("Section 2: Implementation", "a heading"),
        ("Part III. Governance and co-ordination", "a heading"),
        ("Anhang A: Zusammenfassung der Empfehlung", "a heading"),
        ("Key takeaways for ministries and agencies:", "a heading"),
        ("Great question, let me walk you through what the text says.", "a greeting or courtesy"),
        ("Sure, here is a short summary of the Recommendation.", "a greeting or courtesy"),
        ("Bonjour à toutes et à tous, voici ma note.", "a greeting or courtesy"),
        ("Mit freundlichen Grüßen", "a greeting or courtesy"),
        ("In my view the Recommendation is one of the more readable OECD texts.", "an opinion"),
        ("À mon avis, c'est un texte très utile pour les ministères.", "an opinion"),
        ("¿Qué dice la Recomendación sobre los datos abiertos?", "a question"),
    ],
)
def test_headings_openers_and_other_languages_courtesies_are_not_claims(
    sentence: str, reason: str
) -> None:
    assert non_claim_reason(sentence) == reason


@pytest.mark.parametrize(
    "sentence",
    [
        "Section 2: Governments should develop clear business cases.",
        "Here is what the Recommendation says: governments should develop business cases.",
        "Let me be clear: the Recommendation is not legally binding.",
        "Definitions: digital government refers to the use of digital technologies.",
        "Certainly, governments should develop business cases.",
        "In my view, the Recommendation requires governments to publish all data.",
    ],
)
def test_a_claim_after_a_label_or_an_opener_stays_a_claim(sentence: str) -> None:
    assert non_claim_reason(sentence) is None
