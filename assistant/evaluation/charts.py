"""The run's PNG charts: headline metrics per system as bars, the assistant's per-type heat
map, and the meta-evaluation's share flagged per case kind.

Kept apart from the report's text because it is the only part that needs matplotlib (imported
when a chart is drawn, with the Agg backend, so no display is needed).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from assistant.evaluation.datasets import ASSISTANT, flatten
from assistant.evaluation.report_blocks import HEADLINES

LOWER_IS_BETTER = ("false_refusal_rate",)


def charts(summary: dict[str, Any], out: Path) -> list[Path]:
    """Headline bars per system, the assistant's per-type heat map, meta-evaluation bars."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    systems = summary["systems"]
    fig, ax = plt.subplots(figsize=(10, 5.5))
    width = 0.8 / max(len(systems), 1)
    for i, (name, data) in enumerate(systems.items()):
        flat = flatten(data)
        values = [flat.get(key) for key in HEADLINES.values()]
        xs = [j + i * width for j in range(len(HEADLINES))]
        ax.barh(xs, [v or 0 for v in values], height=width, label=name)
        for x, v in zip(xs, values, strict=True):
            ax.text((v or 0) + 0.01, x, "n/a" if v is None else f"{v:.2f}", va="center", fontsize=7)
    ax.set_yticks([j + width * (len(systems) - 1) / 2 for j in range(len(HEADLINES))])
    ax.set_yticklabels(list(HEADLINES))
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.legend(loc="lower right")
    ax.set_title("Headline metrics (false-refusal rate: lower is better)")
    paths.append(_save(fig, out / "metrics.png"))
    by_type = systems.get(ASSISTANT, {}).get("by_type", {})
    if by_type:
        metrics = [k for k in next(iter(by_type.values())) if not k.startswith(("n", "lat"))]
        grid = [[by_type[t].get(m) for m in metrics] for t in by_type]
        fig, ax = plt.subplots(figsize=(12, 0.45 * len(by_type) + 2.5))
        ax.imshow(
            [[_goodness(m, v) for m, v in zip(metrics, row, strict=True)] for row in grid],
            cmap="RdYlGn",
            vmin=0,
            vmax=1,
            aspect="auto",
        )
        ax.set_xticks(range(len(metrics)), metrics, rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(len(by_type)), [f"{t} ({by_type[t]['n']})" for t in by_type])
        for (r, c), v in ((rc, grid[rc[0]][rc[1]]) for rc in _cells(grid)):
            ax.text(c, r, "—" if v is None else f"{v:.2f}", ha="center", va="center", fontsize=7)
        ax.set_title("Assistant, by question type (false-refusal rate: green = low)")
        paths.append(_save(fig, out / "by_type.png"))
    meta = summary.get("meta_eval")
    if meta:
        fig, ax = plt.subplots(figsize=(8, 4))
        kinds = meta["kinds"]
        ax.barh([k["kind"] for k in kinds], [k["rate"] for k in kinds], color="tab:purple")
        ax.axvline(meta["catch_target"], color="grey", linestyle="--")
        ax.set_xlim(0, 1)
        ax.set_title("Meta-evaluation: share flagged per case kind (correct-*: should be 0)")
        paths.append(_save(fig, out / "meta_eval.png"))
    return paths


def _goodness(metric: str, value: float | None) -> float:
    """Colour value: 1 is good. A rate that should be low is inverted; n/a is blank."""
    if value is None:
        return float("nan")
    return 1 - value if metric.endswith(LOWER_IS_BETTER) else value


def _cells(grid: list[list[Any]]) -> list[tuple[int, int]]:
    return [(r, c) for r in range(len(grid)) for c in range(len(grid[r]))]


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
