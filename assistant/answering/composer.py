"""The composed generator: an answer built from the retrieved clauses' own wording, no LLM.

It answers like a person who knows the text: the most relevant paragraph first, as one lead
sentence ("In implementing ..., governments should reinforce institutional capacities ...
[IV.10]"), then the sub-items that answer the question ("This involves establishing evaluation
and measurement frameworks ... [IV.10.iii]"). Every sentence is the text's wording with a short
frame, so it is grounded by construction; the guard still checks it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answering.clause_ranker import ClauseRanker
from assistant.answering.phrases import ComposedPhrases
from assistant.answering.selection import ClauseSelection
from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Clause, ClauseKind, RelatedInstrument, ScoredClause
from assistant.retrieval.lexical import tokenize
from assistant.retrieval.representations import sentences

# Clauses whose best vector is this close to the best clause's join the answer: measured on the
# retrieval gold set, 0.1 finds a right clause for 98% of questions at about two clauses an answer.
REPEAT_OVERLAP = 0.9
# The Council's operative verb opening a section: 'RECOMMENDS that,', 'CALLS ON', 'INVITES'.
COUNCIL_VERB_RE = re.compile(r"^(?P<verb>[A-Z]{3,}(?: [A-Z]{2,})*)\b(?: that\b,?)?\s*")
ANAPHORIC_OPENING_RE = re.compile(r"(?:This|These|That|Those|It|They|Such|In this regard)\b")


@dataclass(frozen=True)
class ComposedSentence:
    """One answer sentence and the clause it cites."""

    text: str
    clause_id: str

    def render(self) -> str:
        body = self.text.rstrip().rstrip(".;:,")
        return f"{body} [{self.clause_id}]."


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text and not text[:2].isupper() else text


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _title_only(paragraph: Clause) -> bool:
    """A paragraph that is only a title over its items ('1.2. Human-centred values')."""
    return bool(paragraph.heading) and paragraph.text == paragraph.heading


def _full_sentence(text: str) -> bool:
    """An item written as a sentence of its own ('AI actors should ...'), not as the end of
    its paragraph's lead ('developing ...;')."""
    return text[:1].isupper()


class Composer:
    """Chooses the clauses that answer a question and phrases them as cited sentences."""

    def __init__(
        self,
        corpus: Corpus,
        phrases: ComposedPhrases,
        max_clauses: int = 4,
        ranker: ClauseRanker | None = None,
    ) -> None:
        self.corpus = corpus
        self.phrases = phrases.compose
        self.selection = ClauseSelection(corpus, max_clauses, ranker)

    def select(self, question: str, hits: Sequence[ScoredClause]) -> list[Clause]:
        """The clauses the answer cites, most relevant first."""
        return self.selection.select(question, hits)

    def compose(self, question: str, hits: Sequence[ScoredClause]) -> list[ComposedSentence]:
        return _without_repeats(self._compose(question, hits))

    def _compose(self, question: str, hits: Sequence[ScoredClause]) -> list[ComposedSentence]:
        clauses = self.select(question, hits)
        chosen = {c.key for c in clauses}
        out: list[ComposedSentence] = []
        done: set[str] = set()
        for clause in clauses:
            if clause.key in done:
                continue
            paragraph = self._paragraph_of(clause)
            if paragraph is not None:
                subs = [
                    c for c in clauses if c.parent_id == paragraph.clause_id and c.key not in done
                ]
                out.extend(self._paragraph_group(paragraph, subs, paragraph.key in chosen))
                done.update(c.key for c in [paragraph, *subs])
                continue
            out.extend(self._standalone(clause, question))
            done.add(clause.key)
        return out

    def _stem_prefix(self, clause: Clause) -> str:
        """'RECOMMENDS that, in implementing ..., governments should:' -> 'In implementing ...,
        governments should'; a stem without 'should' gets it after its subject. Only a stem
        that leads into the paragraph (ends with a colon) is a prefix: 'UNDERLINES that the
        following principles are complementary.' stands on its own, so it gives none."""
        if not clause.context.rstrip().endswith(":"):
            return ""
        stem = COUNCIL_VERB_RE.sub("", clause.context).rstrip(": ")
        if " should" not in stem:
            stem = re.sub(r"\bgovernments\b", "governments should", stem, count=1)
        if " should" not in stem:
            return ""  # 'ADOPTS the following principles:' names no one the paragraph continues
        return _upper_first(stem)

    def _framed(self, prefix: str, body: str) -> str:
        return f"{prefix} {_lower_first(body)}" if prefix else _upper_first(body)

    def _paragraph_lead(self, paragraph: Clause) -> list[ComposedSentence]:
        has_children = bool(self.corpus.children(paragraph))
        prefix = self._stem_prefix(paragraph)
        if has_children:
            if _title_only(paragraph):
                return []  # a principle's title: its items carry the wording
            body = paragraph.heading or re.sub(r",?\s*(?:by|through):$", "", paragraph.text)
            return [ComposedSentence(self._framed(prefix, body), paragraph.clause_id)]
        parts = sentences(paragraph.text) or [paragraph.text]
        lead = ComposedSentence(self._framed(prefix, parts[0]), paragraph.clause_id)
        return [lead] + [ComposedSentence(p, paragraph.clause_id) for p in parts[1:]]

    def _paragraph_group(
        self, paragraph: Clause, subs: list[Clause], paragraph_chosen: bool
    ) -> list[ComposedSentence]:
        """A paragraph and the sub-items that answer, in the text's order. The paragraph is cited
        only when it answers as a whole (chosen, with all its sub-items or none); otherwise its
        lead is folded into the first sub-item's sentence, which is the clause that answers."""
        subs = sorted(subs, key=lambda c: c.position)
        children = self.corpus.children(paragraph)
        whole = paragraph_chosen and len(subs) in (0, len(children))
        if whole and not subs and _title_only(paragraph):
            subs = children  # a principle asked about as a whole: its items say it
        if whole or not subs:
            out, rest = self._paragraph_lead(paragraph), subs
        else:
            out, rest = self._folded_subitem(paragraph, subs[0]), subs[1:]
        for number, sub in enumerate(rest):
            out.extend(self._subitem(sub, first=number == 0 and rest is subs and bool(out)))
        return out

    def _paragraph_of(self, clause: Clause) -> Clause | None:
        """The numbered paragraph a clause is, or is a sub-item of; None for other kinds."""
        if clause.kind == ClauseKind.PARAGRAPH:
            return clause
        if clause.kind == ClauseKind.SUBITEM and clause.parent_id:
            return self.corpus.get(clause.parent_id, clause.instrument_id)
        return None

    def _folded_subitem(self, paragraph: Clause, sub: Clause) -> list[ComposedSentence]:
        """'In implementing ..., governments should develop clear business cases ..., by
        articulating the value proposition ... [IV.9.i]': the text's own sentence, lead and
        sub-item together, citing the sub-item that answers."""
        if _title_only(paragraph) or _full_sentence(sub.text):
            return self._subitem(sub, first=False)  # the item says it all on its own
        prefix = self._stem_prefix(paragraph)
        lead = paragraph.text.rstrip().rstrip(":")
        if paragraph.kind == ClauseKind.SECTION:  # items straight under 'INSTRUCTS ...:'
            prefix, lead = "", self._council_act(paragraph)
        parts = sentences(sub.text) or [sub.text]
        body = f"{self._framed(prefix, lead)} {parts[0].rstrip(';.,')}"
        return [ComposedSentence(body, sub.clause_id)] + [
            ComposedSentence(p, sub.clause_id) for p in parts[1:]
        ]

    def _subitem(self, sub: Clause, first: bool) -> list[ComposedSentence]:
        parts = sentences(sub.text) or [sub.text]
        if _full_sentence(sub.text):  # 'AI actors should respect ...': quoted as it stands
            return [ComposedSentence(p, sub.clause_id) for p in parts]
        template = self.phrases.first_subitem if first else self.phrases.next_subitem
        text = parts[0].rstrip(";.,")
        if text.startswith("including ") and "includes {text}" in template:
            text = text.removeprefix("including ")  # not "This includes including ..."
        lead = ComposedSentence(template.format(text=text), sub.clause_id)
        return [lead] + [ComposedSentence(p, sub.clause_id) for p in parts[1:]]

    def _standalone(self, clause: Clause, question: str) -> list[ComposedSentence]:
        if clause.kind == ClauseKind.PREAMBLE:
            return [self._preamble(clause, question)]
        if clause.kind == ClauseKind.SECTION:
            text = self._council_act(clause)
            if text.endswith((" which", " should")):
                text += " " + self.phrases.section_lead_in
            return [ComposedSentence(text, clause.clause_id)]
        if clause.kind == ClauseKind.BACKGROUND:
            return [
                ComposedSentence(s, clause.clause_id)
                for s in self._best_sentences(clause.text, question)
            ]
        return [
            ComposedSentence(s, clause.clause_id) for s in (sentences(clause.text) or [clause.text])
        ]

    def _council_act(self, section: Clause) -> str:
        """'INSTRUCTS the Committee ...:' -> 'The Council instructs the Committee ...'."""
        verb_match = COUNCIL_VERB_RE.match(section.text)
        verb = verb_match.group("verb") if verb_match else ""
        rest = section.text[verb_match.end("verb") :].strip() if verb_match else section.text
        return f"{self.phrases.section_subject} {verb.lower()} {rest.rstrip(':')}"

    def _preamble(self, clause: Clause, question: str) -> ComposedSentence:
        named = self._named_related(clause, question)
        if named:
            return ComposedSentence(
                self.phrases.related_instrument.format(title=named.title, ref=named.council_ref),
                clause.clause_id,
            )
        for opener, phrase in self.phrases.council_verbs.items():
            if clause.text.startswith(opener):
                rest = clause.text[len(opener) :].strip().rstrip(";:")
                return ComposedSentence(f"{phrase} {rest}", clause.clause_id)
        return ComposedSentence(clause.text, clause.clause_id)

    def _named_related(self, clause: Clause, question: str) -> RelatedInstrument | None:
        """The related instrument the question is about, when it names one closely enough."""
        words = set(tokenize(question))
        best, best_overlap = None, 0.0
        for related in self.corpus.related:
            if related.cited_in != clause.clause_id:
                continue
            title_words = set(tokenize(related.title.replace("Recommendation of the Council", "")))
            overlap = len(words & title_words) / max(len(title_words), 1)
            if related.council_ref.lower() in question.lower():
                overlap = 1.0
            if overlap > best_overlap:
                best, best_overlap = related, overlap
        return best if best_overlap >= 0.5 else None

    def _best_sentences(self, text: str, question: str, limit: int = 2) -> list[str]:
        """The sentences of a long paragraph that share most words with the question, in order."""
        parts = sentences(text) or [text]
        if len(parts) <= limit:
            return parts
        words = set(tokenize(question))
        overlaps = [len(words & set(tokenize(part))) for part in parts]
        best = max(overlaps)
        ranked = sorted(range(len(parts)), key=lambda i: -overlaps[i])[:limit]
        chosen = {i for i in ranked if overlaps[i] * 2 >= best} or {0}
        # "This is a major challenge ...": a sentence that points back needs the one before it.
        chosen |= {i - 1 for i in chosen if i > 0 and ANAPHORIC_OPENING_RE.match(parts[i])}
        return [parts[i] for i in sorted(chosen)]


def _without_repeats(composed: list[ComposedSentence]) -> list[ComposedSentence]:
    """Drop a sentence whose words an earlier sentence already said (e.g. the same instrument
    named in the preamble and in the background's footnote)."""
    kept: list[ComposedSentence] = []
    seen: list[set[str]] = []
    for sentence in composed:
        words = set(tokenize(sentence.text))
        if words and any(len(words & before) >= REPEAT_OVERLAP * len(words) for before in seen):
            continue
        kept.append(sentence)
        seen.append(words)
    return kept
