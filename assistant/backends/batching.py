"""Micro-batching of query encodings: questions arriving together are encoded together.

Encoding sixteen short texts as one batch costs a fraction of sixteen single calls, so under
load one worker thread takes every question already waiting (up to ``max_batch``) and encodes
them at once. A question that arrives while the encoder is idle is encoded at once by its own
thread (no hand-over to the worker, so one client is not delayed), taking along any question
already queued; the worker only waits for company (at most ``max_wait_ms``) when others are
queued behind the first. The queue is bounded: when it is full, callers block until there is
room (back-pressure), never piling up unbounded work.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future

Vector = list[float]
Encode = Callable[[list[str]], Sequence[Vector]]


class MicroBatcher:
    """Collects ``submit(text)`` calls from many threads into batches for one ``encode``."""

    def __init__(
        self, encode: Encode, max_batch: int = 32, max_wait_ms: float = 2.0, max_queue: int = 256
    ) -> None:
        self._encode = encode
        self.max_batch = max_batch
        self.max_wait_s = max_wait_ms / 1000
        self._queue: queue.Queue[tuple[str, Future[Vector]]] = queue.Queue(maxsize=max_queue)
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._encoding = threading.Lock()  # held by whoever runs the encoder
        self.batches = 0  # how many encode calls, and how many texts in them (for tests and
        self.texts = 0  # the benchmark: texts / batches is the mean batch size)

    def _ensure_worker(self) -> None:
        if self._worker is None:
            with self._start_lock:
                if self._worker is None:
                    worker = threading.Thread(target=self._run, name="query-encoder", daemon=True)
                    worker.start()
                    self._worker = worker

    def submit(self, text: str, timeout_s: float | None = None) -> Vector:
        """The vector of ``text``; blocks while the queue is full (back-pressure)."""
        self._ensure_worker()
        if self._encoding.acquire(blocking=False):  # idle: encode here, now
            try:
                batch = [(text, Future[Vector]()), *self._drain(self.max_batch - 1)]
                self._encode_batch(batch)
            finally:
                self._encoding.release()
            return batch[0][1].result()
        future: Future[Vector] = Future()
        self._queue.put((text, future), timeout=timeout_s)
        return future.result(timeout=timeout_s)

    def _drain(self, most: int) -> list[tuple[str, Future[Vector]]]:
        taken: list[tuple[str, Future[Vector]]] = []
        while len(taken) < most:
            try:
                taken.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return taken

    def _take_batch(self) -> list[tuple[str, Future[Vector]]]:
        batch = [self._queue.get()]
        deadline = time.monotonic() + self.max_wait_s
        while len(batch) < self.max_batch:
            try:
                batch.append(self._queue.get_nowait())
                continue
            except queue.Empty:
                pass
            # Wait for company only when the queue already had some: a lone question goes now.
            remaining = deadline - time.monotonic()
            if len(batch) == 1 or remaining <= 0:
                break
            try:
                batch.append(self._queue.get(timeout=remaining))
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        while True:
            batch = self._take_batch()
            with self._encoding:
                batch += self._drain(self.max_batch - len(batch))
                self._encode_batch(batch)

    def _encode_batch(self, batch: list[tuple[str, Future[Vector]]]) -> None:
        texts = [text for text, _ in batch]
        try:
            vectors = self._encode(texts)
        except BaseException as exc:  # every waiting caller gets the error, none hangs
            for _, future in batch:
                future.set_exception(exc)
            return
        self.batches += 1
        self.texts += len(texts)
        for (_, future), vector in zip(batch, vectors, strict=True):
            future.set_result(list(vector))
