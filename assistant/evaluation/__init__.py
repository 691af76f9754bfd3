"""Evaluation of the assistant: datasets, pure metric functions, retrieval and end-to-end runners,
baselines, the meta-evaluation of the grounding metric, reports and the ``eval`` CLI commands.

Metric functions are pure (lists in, :class:`~assistant.evaluation.metric_core.MetricResult` out) so
they can be unit-tested on hand-built data; the runners are the only parts that call services.
"""
