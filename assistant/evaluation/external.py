"""Other assistants under the same evaluation: any OpenAI-compatible chat endpoint
(``assistant eval --system URL``) and answers collected elsewhere (``--answers FILE.jsonl``).

An outside answer is read the way a reviewer reads it: the clauses it names (citation markers,
references such as "paragraph 9") stand in for its retrieval and citations, a refusal is
recognised by its wording, and every sentence is checked against the whole text by the
attribution engine (see ``attribution_metrics``), so a system that never cites still gets a
grounding figure and a count of contradictions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from pydantic import AliasChoices, BaseModel, Field, ValidationError

from assistant.corpus.citations import parse_citations
from assistant.corpus.instruments import Corpus
from assistant.corpus.references import resolve_references
from assistant.evaluation.datasets import DatasetError, GoldItem
from assistant.evaluation.runner import split_sentences
from assistant.evaluation.types import Response, System

REFUSAL_RE = re.compile(
    r"\b(?:not covered|does not (?:cover|address|say|mention|contain|specify|give|set)|"
    r"doesn't (?:cover|address|say|mention|specify)|no information|not (?:addressed|mentioned|"
    r"specified) in|cannot (?:answer|find|help)|can't (?:answer|find|help)|i don't know|"
    r"i do not know|outside (?:the|its|my) scope|i can only answer|unable to answer)\b",
    re.IGNORECASE,
)
DEFAULT_TIMEOUT_S = 60.0


def is_refusal(answer: str) -> bool:
    """Whether an answer declines (says the text does not cover the question)."""
    return not answer.strip() or bool(REFUSAL_RE.search(answer))


def outside_response(answer: str, contexts: list[str], corpus: Corpus) -> Response:
    """An outside answer in the scorer's shape; the clauses it names are its 'retrieval'."""
    known = {c.clause_id for c in corpus.clauses}
    markers = parse_citations(answer, known)
    named = list(dict.fromkeys([*markers.ids, *resolve_references(answer, known)]))
    abstained = is_refusal(answer)
    return Response(
        answer=answer,
        abstained=abstained,
        retrieved=[frozenset({cid}) for cid in named],
        contexts=contexts,
        citations=named,
        sentences=None if abstained else split_sentences(answer, known),
        invalid=sorted(set(markers.dropped)),
    )


class AnswerRow(BaseModel):
    """One collected answer; ragas column names (user_input, response, retrieved_contexts)
    are accepted beside question, answer and contexts."""

    id: str | None = None
    question: str = Field(validation_alias=AliasChoices("question", "user_input"))
    answer: str = Field(validation_alias=AliasChoices("answer", "response"))
    contexts: list[str] = Field(
        default_factory=list, validation_alias=AliasChoices("contexts", "retrieved_contexts")
    )


def _key(question: str) -> str:
    return " ".join(question.lower().split())


class AnswersFile:
    """Answers collected elsewhere, one JSON object a line, matched to the gold set by ``id``
    or, without one, by the question's wording."""

    def __init__(self, path: Path, corpus: Corpus, name: str | None = None) -> None:
        self.name = name or path.stem
        self.corpus = corpus
        self.path = path
        self.by_id: dict[str, AnswerRow] = {}
        self.by_question: dict[str, AnswerRow] = {}
        for row in load_answers(path):
            if row.id:
                self.by_id[row.id] = row
            self.by_question[_key(row.question)] = row

    def respond(self, item: GoldItem) -> Response:
        row = self.by_id.get(item.id) or self.by_question.get(_key(item.question))
        if row is None:
            raise LookupError(f"{self.path.name} has no answer for {item.id}")
        return outside_response(row.answer, row.contexts, self.corpus)


def load_answers(path: Path) -> list[AnswerRow]:
    """The rows of an answers file; a bad line is named by file, line and field."""
    if not path.is_file():
        raise DatasetError(f"Answers file {path} does not exist.")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(AnswerRow.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path.name}:{number}: not valid JSON ({exc.msg}).") from exc
        except ValidationError as exc:
            field = ".".join(str(p) for p in exc.errors()[0]["loc"]) or "line"
            raise DatasetError(f"{path.name}:{number}: {field}: {exc.errors()[0]['msg']}") from exc
    if not rows:
        raise DatasetError(f"Answers file {path} holds no answer.")
    return rows


class ChatEndpoint:
    """Any OpenAI-compatible chat endpoint (``POST {url}/chat/completions``): the question,
    with the gold item's history as earlier turns, at temperature 0."""

    def __init__(
        self,
        url: str,
        corpus: Corpus,
        model: str = "default",
        api_key: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.url = url.rstrip("/")
        self.name = f"system {self.url}"
        self.corpus = corpus
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(timeout=timeout_s, headers=headers)

    def respond(self, item: GoldItem) -> Response:
        messages = [{"role": m.role, "content": m.content} for m in item.history]
        messages.append({"role": "user", "content": item.question})
        body = {"model": self.model, "messages": messages, "temperature": 0}
        reply = self.client.post(f"{self.url}/chat/completions", json=body)
        reply.raise_for_status()
        answer = reply.json()["choices"][0]["message"]["content"] or ""
        return outside_response(answer, [], self.corpus)


def outside_systems(
    corpus: Corpus, urls: list[str], model: str, api_key: str | None, answers: list[Path]
) -> list[System]:
    """The outside systems of one run: chat endpoints, then files of collected answers."""
    systems: list[System] = [ChatEndpoint(url, corpus, model, api_key) for url in urls]
    systems += [AnswersFile(path, corpus) for path in answers]
    return systems
