"""The ``assistant train`` command: rebuild the learned artefacts from the question bank.

Each component is trained on the bank's train split and tuned on its dev split (the learned
attribution verdict on the purpose-written sentences of evals/attribution, tuned on its dev
part); the artefact
records the training data's hash, the seed and the dev figures (``assistant/learned/<name>/``).
Run it after adding questions to ``evals/bank/questions.jsonl``, then commit the artefacts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from assistant.artefacts import ArtefactInfo
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.services import Services

COMPONENTS = (
    "query_adapter",
    "injection_classifier",
    "scope_classifier",
    "clause_ranker",
    "instrument_router",
    "attribution_verdict",
)
console = Console()


def _trainers() -> dict[str, Callable[[Services], ArtefactInfo]]:
    """Imported on demand: training pulls in scikit-learn and the bank loader."""
    from assistant.learning.classifier_training import train_injection_classifier
    from assistant.learning.query_adapter_training import train_query_adapter
    from assistant.learning.ranker_training import train_clause_ranker
    from assistant.learning.router_training import train_instrument_router
    from assistant.learning.scope_training import train_scope_classifier

    return {
        "query_adapter": train_query_adapter,
        "injection_classifier": train_injection_classifier,
        "scope_classifier": train_scope_classifier,
        "clause_ranker": train_clause_ranker,
        "instrument_router": train_instrument_router,
    }


def register_train_command(app: typer.Typer) -> None:
    @app.command()
    def train(
        component: Annotated[
            list[str] | None,
            typer.Argument(help=f"What to train: {', '.join(COMPONENTS)} (default: all)."),
        ] = None,
    ) -> None:
        """Rebuild the learned components from the labelled question bank (evals/bank/)."""
        from assistant.services import Services

        wanted = component or list(COMPONENTS)
        unknown = sorted(set(wanted) - set(COMPONENTS))
        if unknown:
            raise typer.BadParameter(f"unknown component(s) {unknown}; choose from {COMPONENTS}")
        trainers = _trainers()
        if "query_adapter" in wanted:
            # The adapter learns from the base encoder, never from a previous adapter.
            base = Settings().model_copy(update={"use_query_adapter": False})
            _train(trainers["query_adapter"], "query_adapter", Services(base))
        # The classifiers learn from retrieval as it serves, with the query adapter (the
        # configuration the learned scope decider runs in, the default).
        served = Services(Settings().model_copy(update={"use_query_adapter": True}))
        for name in ("injection_classifier", "scope_classifier"):
            if name in wanted:
                _train(trainers[name], name, served)
        if "clause_ranker" in wanted:
            # The ranker learns from retrieval as answers are served by default, and never from
            # a previous ranker's choice.
            unranked = Settings().model_copy(update={"clause_choice": "margin"})
            _train(trainers["clause_ranker"], "clause_ranker", Services(unranked))
        if "instrument_router" in wanted:
            # The router reads the question vector retrieval reads (the default settings').
            _train(trainers["instrument_router"], "instrument_router", Services(Settings()))
        if "attribution_verdict" in wanted:
            # Learned from the attribution engine's rules alone (never from a previous verdict);
            # needs the corpus and the embedding model, not the clause index.
            _report("attribution_verdict", _train_verdict(Settings()))


def _train_verdict(settings: Settings) -> ArtefactInfo:
    from assistant.checking.factory import attribution_engine
    from assistant.learning.verdict_training import train_attribution_verdict

    engine = attribution_engine(settings, learned=False)
    return train_attribution_verdict(engine, embedding_model=settings.embedding_model)


def _train(trainer: Callable[[Services], ArtefactInfo], name: str, services: Services) -> None:
    services.index.ensure(progress=True)
    _report(name, trainer(services))


def _report(name: str, info: ArtefactInfo) -> None:
    console.print(f"[bold]{name}[/bold]: data {info.short_hash}, seed {info.seed}")
    for metric, value in sorted(info.metrics.items()):
        console.print(f"  {metric}: {value}")
