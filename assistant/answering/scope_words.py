"""The word lists the scope checks read (``assistant.answering.scope``): words that are never a
name or a topic the text lacks, kept apart so that the checks read as logic and the lists can
grow without crowding them."""

from __future__ import annotations

# Words capitalised for emphasis or at a sentence start in questions; never names.
COMMON_CAPITALISED = frozenset(
    "what which who whom whose when where why how does do did is are was were can could should "
    "would will may might must shall please tell explain give list summarise summarize describe "
    "according under in on at for to the a an and or but if our my we i it this that these "
    "those there their they you your yes no ok okay hello hi thanks thank also then so now "
    "according isn't aren't doesn't don't can't wouldn't shouldn't one two three four five six "
    "seven eight nine ten several many some each every all most both any another other such "
    "since because although while after before once section sections paragraph paragraphs "
    "sub-item sub-items clause clauses".split()
)
# Workplace and technology abbreviations officials use for their own roles and tools; they name
# no outside law, country or vendor, so they say nothing about scope.
COMMON_ACRONYMS = frozenset(
    "hr it ict cio cto cdo cfo ceo ciso dpo kpi kpis ux ui api apis pmo sme smes ngo ngos faq "
    "faqs pdf".split()
)
# Currency codes come with amounts ("EUR 5 million"): a figure, which the figure check handles,
# not a name of something outside the text.
CURRENCY_CODES = frozenset("eur usd gbp chf jpy cad aud sek nok dkk".split())
# Words about the text's own structure ("Which section is that in?"): never an absent topic.
STRUCTURE_WORDS = frozenset(
    "section sections paragraph paragraphs sub-item sub-items subitem subitems clause clauses "
    "preamble wording text".split()
)
# Words that open the object of a claim ("requires all the ...") before the thing claimed.
OBJECT_LEAD_WORDS = frozenset("a an the all every each any their its our to that for of".split())
# Words of amounts ("EUR 1 million"): part of a figure, which the figure check handles, never a
# topic the text lacks.
NUMBER_WORDS = frozenset("million millions billion billions thousand thousands percent".split())
