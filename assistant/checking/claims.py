"""Cutting a text into the sentences to check, and telling claims from the rest.

A reviewer pastes briefs, e-mails and chatbot answers: greetings, questions, headings and
opinions are part of them but say nothing about the instrument, so they get their own verdict
rather than a "not found" that would read as an error in the draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.corpus.sentences import answer_sentences

MARKDOWN_LINK_RE = re.compile(r"\[([^\]\n]+)\]\((?:[^)\s]+)\)")
MARKUP_RE = re.compile(r"(\*\*|__|`)")
HEADING_PREFIX_RE = re.compile(r"^\s{0,3}#{1,6}\s+")
GREETING_RE = re.compile(
    r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings|thanks?|thank you|"
    r"many thanks|best(?: regards)?|kind regards|regards|sincerely|cheers|yours|welcome|"
    r"please (?:let|find|see|feel)|let me know|i hope|hope this helps|"
    # chatty openers of a chatbot's answer, about the answer rather than the text
    r"(?:great|good|excellent|interesting) question|(?:sure|certainly|of course|absolutely)"
    r"[,!.]?\s+(?:here|let me|i(?:'d| would| will| can)\b)|let me (?:walk|explain|summari[sz]e|"
    r"break|help|show|start|give|go|outline)|here(?: is|'s| are) (?:a |an |my |some )?(?:short "
    r"|brief |quick )?(?:summary|overview|answer|breakdown|list|rundown|note|explanation)|"
    # the same in French, Spanish and German
    r"bonjour|bonsoir|cher|chère|chers|chères|merci|cordialement|hola|buenos días|buenas tardes|"
    r"estimad[oa]s?|gracias|saludos|atentamente|hallo|guten (?:tag|morgen|abend)|liebe[rn]?|"
    r"sehr geehrte[rn]?|danke|vielen dank|mit freundlichen grüßen|viele grüße)(?!\w)",
    re.IGNORECASE,
)
OPINION_RE = re.compile(
    r"\b(?:i|we) (?:think|believe|feel|find|guess|suppose|would argue|am|are (?:happy|glad|"
    r"pleased|convinced))\b|\b(?:in my|in our) (?:view|opinion)\b|\bpersonally\b|"
    r"\b(?:i|we) (?:like|love|prefer|hope|wish)\b|^(?:sadly|happily|frankly|honestly),|"
    r"(?:à|a) mon avis|selon moi|je (?:pense|crois|trouve)|en mi opinión|a mi juicio|"
    r"creo que|meiner meinung nach|ich (?:finde|denke|glaube)",
    re.IGNORECASE,
)
INSTRUMENT_RE = re.compile(
    r"\b(?:recommendation|oecd|council|instrument|clause|paragraph|section|the text|"
    r"adherents?|members)\b",
    re.IGNORECASE,
)
VERB_HINT_RE = re.compile(r"\b(?:is|are|was|were|be|should|must|shall|can|will|may|has|have)\b")
# "Annex B: ...", "Section 2: ...", "Part III. ...": a document's own label before a title.
DOCUMENT_LABEL_RE = re.compile(
    r"^(?:annex|annexe|anexo|anhang|appendix|section|sección|abschnitt|part|partie|parte|teil|"
    r"chapter|chapitre|capítulo|kapitel|box|table|figure|step|étape|paso|schritt)"
    r"\s+[\w.-]{1,6}\s*[:.–—-]\s+",
    re.IGNORECASE,
)
HEADING_WORDS = 12  # a verbless line of at most this many words, with a label or a colon
LIST_NUMBER_RE = re.compile(r"^\(?(?:\d{1,2}|[ivx]{1,4}|[a-h])[.)]$")
EVALUATIVE_RE = re.compile(
    r"\b(?:great|good|excellent|useful|helpful|important|interesting|impressive|bad|poor|weak|"
    r"strong|valuable|relevant|outdated|brilliant|disappointing|best|worst|readable|vague|"
    r"ambitious|comprehensive|accessible|dated|concise|well written|one of the (?:more|most|"
    r"less|least))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Piece:
    """One sentence of the checked text and where it sits in it (for highlighting)."""

    text: str
    start: int
    end: int


def plain(text: str) -> str:
    """Markdown links and emphasis removed; citation markers such as ``[IV.9]`` are kept."""
    lines = [HEADING_PREFIX_RE.sub("", line) for line in text.splitlines()]
    return MARKUP_RE.sub("", MARKDOWN_LINK_RE.sub(r"\1", "\n".join(lines)))


def split_sentences(text: str) -> list[Piece]:
    """The sentences of ``text`` (lines and list items apart) with their offsets in it."""
    pieces: list[Piece] = []
    cursor = 0
    for sentence in answer_sentences(text, lines=True):
        start = text.find(sentence, cursor)
        if start < 0:  # the splitter moved a marker: locate the sentence by its first words
            start = max(text.find(sentence[:20], cursor), cursor)
        end = start + len(sentence)
        pieces.append(Piece(sentence, start, end))
        cursor = end
    return pieces


def non_claim_reason(sentence: str) -> str | None:
    """Why ``sentence`` makes no claim about the instrument, or None when it may make one."""
    bare = sentence.strip()
    if GREETING_RE.match(bare):
        return "a greeting or courtesy"
    if bare.endswith("?"):
        return "a question"
    if OPINION_RE.search(bare) and (EVALUATIVE_RE.search(bare) or not INSTRUMENT_RE.search(bare)):
        return "an opinion"
    if HEADING_PREFIX_RE.match(bare):
        return "a heading"
    if LIST_NUMBER_RE.match(bare):
        return "a list number"
    labelled = DOCUMENT_LABEL_RE.match(bare)
    short = len(bare.split()) <= HEADING_WORDS and not VERB_HINT_RE.search(bare.lower())
    if short and (labelled or bare.endswith(":")):
        return "a heading"
    unfinished = not bare.endswith((".", "!", ";", "]"))
    if unfinished and len(bare.split()) <= 8 and not VERB_HINT_RE.search(bare.lower()):
        return "a heading"
    return None


def mentions_instrument(sentence: str) -> bool:
    """Whether the sentence names the instrument (so a claim, even when nothing matches)."""
    return bool(INSTRUMENT_RE.search(sentence))
