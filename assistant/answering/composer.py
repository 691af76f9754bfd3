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

from assistant.answering.phrases import ComposedPhrases
from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Clause, ClauseKind, RelatedInstrument, ScoredClause
from assistant.retrieval.lexical import tokenize
from assistant.retrieval.representations import sentences

# Clauses whose best vector is this close to the best clause's join the answer: measured on the
# retrieval gold set, 0.1 finds a right clause for 98% of questions at about two clauses an answer.
DENSE_MARGIN = 0.1
MAX_PARAGRAPH_EXPANSION = 5
REPEAT_OVERLAP = 0.9
CHILD_MARGIN = 0.1
# "Why ...?", "Isn't it enough to ...?": the reasons live in the background paragraphs, so such a
# question also gets the best background clause among the first hits, next to what to do.
RATIONALE_RE = re.compile(
    r"^\s*why\b|[.?!]\s*why\b|\b(?:isn't|is) it (?:enough|sufficient)\b|"
    r"\bwhat(?:'s| is) the point\b|\bwhy (?:does|do|is|would) (?:it|this|that) matter\b",
    re.IGNORECASE,
)
RATIONALE_HITS = 3
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


class Composer:
    """Chooses the clauses that answer a question and phrases them as cited sentences."""

    def __init__(self, corpus: Corpus, phrases: ComposedPhrases, max_clauses: int = 4) -> None:
        self.corpus = corpus
        self.phrases = phrases.compose
        self.max_clauses = max_clauses

    def _citable(self, hit: ScoredClause) -> bool:
        """The 'background' and 'preamble' containers are no answer by themselves."""
        if "reference" in hit.matched_by:
            return True
        return hit.clause.kind != ClauseKind.CONTAINER

    def select(self, question: str, hits: Sequence[ScoredClause]) -> list[Clause]:
        """The clauses worth citing, most relevant first: the best one, and the next few only
        when they match the question almost as well."""
        usable = [h for h in hits if self._citable(h)]
        if not usable:
            return []
        primary = usable[0]
        if "reference" in primary.matched_by and self.corpus.children(primary.clause):
            inside = [
                h
                for h in usable[1:4]
                if "reference" not in h.matched_by and self._within(h.clause, primary.clause)
            ]
            if primary.clause.kind == ClauseKind.SECTION and inside:
                primary = inside[0]  # "public value in Section I": the section only narrows
        chosen = [primary.clause]
        if "reference" in primary.matched_by:
            chosen += [h.clause for h in usable[1:] if "reference" in h.matched_by]
        else:
            floor = (primary.dense or 0.0) - DENSE_MARGIN
            chosen += [
                h.clause
                for h in usable[:4]
                if h is not primary
                and h.dense is not None
                and h.dense >= floor
                and "reference" not in h.matched_by
            ]
        if RATIONALE_RE.search(question) and "reference" not in primary.matched_by:
            chosen += [
                h.clause for h in usable[:RATIONALE_HITS] if h.clause.kind == ClauseKind.BACKGROUND
            ][:1]
        expanded: list[Clause] = []
        for clause in chosen:
            expanded.append(clause)
            if clause is primary.clause:
                expanded.extend(self._expansion(primary, hits))
        unique = list({c.key: c for c in expanded}.values())
        limit = max(self.max_clauses, MAX_PARAGRAPH_EXPANSION + 1)
        return unique[:limit]

    def _within(self, clause: Clause, ancestor: Clause) -> bool:
        parent = clause.parent_id
        while parent:
            if parent == ancestor.clause_id and clause.instrument_id == ancestor.instrument_id:
                return True
            above = self.corpus.get(parent, clause.instrument_id)
            parent = above.parent_id if above else None
        return False

    def _expansion(self, primary: ScoredClause, hits: Sequence[ScoredClause]) -> list[Clause]:
        """Sub-items (or paragraphs) under the best clause that the answer should include: those
        the question also matched, or all of them for a question about the whole paragraph."""
        children = self.corpus.children(primary.clause)
        if not children:
            return []
        if "reference" in primary.matched_by or primary.clause.kind == ClauseKind.SECTION:
            return children[:MAX_PARAGRAPH_EXPANSION]
        floor = (primary.dense or 0.0) - CHILD_MARGIN
        keys = {c.key for c in children}
        matched = [
            h.clause
            for h in hits
            if h.clause.key in keys and h.dense is not None and h.dense >= floor
        ]
        return matched or children[:MAX_PARAGRAPH_EXPANSION]

    def compose(self, question: str, hits: Sequence[ScoredClause]) -> list[ComposedSentence]:
        return _without_repeats(self._compose(question, hits))

    def _compose(self, question: str, hits: Sequence[ScoredClause]) -> list[ComposedSentence]:
        clauses = self.select(question, hits)
        out: list[ComposedSentence] = []
        done: set[str] = set()
        for clause in clauses:
            if clause.key in done:
                continue
            parent = (
                self.corpus.get(clause.parent_id, clause.instrument_id)
                if clause.parent_id
                else None
            )
            if clause.kind == ClauseKind.SUBITEM and parent is not None:
                group = [clause] + [
                    c
                    for c in clauses
                    if c.parent_id == clause.parent_id and c.key not in done and c is not clause
                ]
                group.sort(key=lambda c: c.position)
                if parent.key not in done:
                    out.extend(self._paragraph_lead(parent))
                    done.add(parent.key)
                for number, sub in enumerate(group):
                    out.extend(self._subitem(sub, first=number == 0))
                    done.add(sub.key)
                continue
            if clause.kind == ClauseKind.PARAGRAPH:
                out.extend(self._paragraph_lead(clause))
                subs = [c for c in clauses if c.parent_id == clause.clause_id and c.key not in done]
                for number, sub in enumerate(sorted(subs, key=lambda c: c.position)):
                    out.extend(self._subitem(sub, first=number == 0))
                    done.add(sub.key)
            else:
                out.extend(self._standalone(clause, question))
            done.add(clause.key)
        return out

    def _stem_prefix(self, clause: Clause) -> str:
        """'RECOMMENDS that, in implementing ..., governments should:' -> 'In implementing ...,
        governments should'; a stem without 'should' gets it after 'governments'."""
        stem = re.sub(r"^RECOMMENDS that,?\s*", "", clause.context).rstrip(": ")
        if " should" not in stem:
            stem = re.sub(r"\bgovernments\b", "governments should", stem, count=1)
        return _upper_first(stem)

    def _paragraph_lead(self, paragraph: Clause) -> list[ComposedSentence]:
        has_children = bool(self.corpus.children(paragraph))
        prefix = self._stem_prefix(paragraph)
        if has_children:
            body = paragraph.heading or re.sub(r",?\s*(?:by|through):$", "", paragraph.text)
            return [ComposedSentence(f"{prefix} {_lower_first(body)}", paragraph.clause_id)]
        parts = sentences(paragraph.text) or [paragraph.text]
        lead = ComposedSentence(f"{prefix} {_lower_first(parts[0])}", paragraph.clause_id)
        return [lead] + [ComposedSentence(p, paragraph.clause_id) for p in parts[1:]]

    def _subitem(self, sub: Clause, first: bool) -> list[ComposedSentence]:
        parts = sentences(sub.text) or [sub.text]
        template = self.phrases.first_subitem if first else self.phrases.next_subitem
        text = parts[0].rstrip(";.")
        if text.startswith("including ") and "includes {text}" in template:
            text = text.removeprefix("including ")  # not "This includes including ..."
        lead = ComposedSentence(template.format(text=text), sub.clause_id)
        return [lead] + [ComposedSentence(p, sub.clause_id) for p in parts[1:]]

    def _standalone(self, clause: Clause, question: str) -> list[ComposedSentence]:
        if clause.kind == ClauseKind.PREAMBLE:
            return [self._preamble(clause, question)]
        if clause.kind == ClauseKind.SECTION:
            verb, _, rest = clause.text.partition(" ")
            subject = self.phrases.section_subject
            rest = rest.rstrip(":")
            if rest.endswith((" which", " should")):
                rest += " " + self.phrases.section_lead_in
            return [ComposedSentence(f"{subject} {verb.lower()} {rest}", clause.clause_id)]
        if clause.kind == ClauseKind.BACKGROUND:
            return [
                ComposedSentence(s, clause.clause_id)
                for s in self._best_sentences(clause.text, question)
            ]
        return [
            ComposedSentence(s, clause.clause_id) for s in (sentences(clause.text) or [clause.text])
        ]

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
