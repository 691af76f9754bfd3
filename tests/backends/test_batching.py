"""Micro-batching of query encodings, with a fake encoder (a function that records its calls):
concurrent questions share an encoding, a lone question does not wait, a full queue pushes back,
and an encoder error reaches every waiting caller."""

from __future__ import annotations

import queue
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant.backends.batching import MicroBatcher


def fake_encode_recording(  # type: ignore[no-untyped-def]
    calls: list[list[str]],
    gate: threading.Event | None = None,
    entered: threading.Event | None = None,
):
    def encode(texts: list[str]) -> list[list[float]]:
        if entered is not None:
            entered.set()
        if gate is not None:
            gate.wait(timeout=10)
        calls.append(list(texts))
        return [[float(len(t)), float(i)] for i, t in enumerate(texts)]

    return encode


def test_concurrent_questions_are_encoded_together_and_each_gets_its_own_vector() -> None:
    calls: list[list[str]] = []
    gate, entered = threading.Event(), threading.Event()
    batcher = MicroBatcher(fake_encode_recording(calls, gate, entered), max_batch=64, max_wait_ms=5)
    texts = [f"question {'x' * i}" for i in range(40)]
    with ThreadPoolExecutor(max_workers=40) as pool:
        futures = [pool.submit(batcher.submit, texts[0])]
        assert entered.wait(timeout=10)  # the first caller encodes at once, held at the gate
        futures += [pool.submit(batcher.submit, text) for text in texts[1:]]
        while batcher._queue.unfinished_tasks < 39:  # all queued (the worker may hold some)
            threading.Event().wait(0.01)
        gate.set()
        vectors = [f.result(timeout=10) for f in futures]
    assert [v[0] for v in vectors] == [float(len(t)) for t in texts]
    assert sorted(t for call in calls for t in call) == sorted(texts)
    assert len(calls) <= 3  # the first alone, then the 39 that queued behind it together
    assert batcher.texts == 40 and batcher.batches == len(calls)


def test_a_lone_question_is_taken_without_waiting_for_company() -> None:
    """With a wait of 10 s for company, a batch of one is still taken at once."""
    batcher = MicroBatcher(fake_encode_recording([]), max_wait_ms=10_000)
    batcher._queue.put(("alone", __import__("concurrent.futures").futures.Future()))
    taken: list[int] = []
    worker = threading.Thread(target=lambda: taken.append(len(batcher._take_batch())))
    worker.start()
    worker.join(timeout=5)
    assert taken == [1]


def test_a_question_arriving_while_the_encoder_is_idle_is_encoded_in_its_own_thread() -> None:
    threads: list[str] = []

    def encode(texts: list[str]) -> list[list[float]]:
        threads.append(threading.current_thread().name)
        return [[1.0] for _ in texts]

    batcher = MicroBatcher(encode)
    assert batcher.submit("alone") == [1.0]
    assert threads == [threading.current_thread().name]  # no hand-over to the worker


def test_a_full_queue_pushes_back_on_callers() -> None:
    gate, entered = threading.Event(), threading.Event()
    batcher = MicroBatcher(fake_encode_recording([], gate, entered), max_batch=1, max_queue=2)
    with ThreadPoolExecutor(max_workers=4) as pool:
        # One encoding (its caller holds the encoder), one taken by the worker, 2 queued.
        held = [pool.submit(batcher.submit, f"q{i}") for i in range(4)]
        assert entered.wait(timeout=10)
        while batcher._queue.qsize() < 2:
            threading.Event().wait(0.01)
        with pytest.raises(queue.Full):
            batcher.submit("one too many", timeout_s=0.2)
        gate.set()
        assert all(len(f.result(timeout=10)) == 2 for f in held)


def test_an_encoder_error_reaches_every_caller_and_the_worker_goes_on() -> None:
    failing = {"on": True}

    def encode(texts: list[str]) -> list[list[float]]:
        if failing["on"]:
            raise RuntimeError("model gone")
        return [[1.0] for _ in texts]

    batcher = MicroBatcher(encode)
    with pytest.raises(RuntimeError, match="model gone"):
        batcher.submit("first")
    failing["on"] = False
    assert batcher.submit("second") == [1.0]
