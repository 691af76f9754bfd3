"""Start the assistant's web app: the HTTP API under /v1 and the chat at /, in one server.

    python app.py [--host 127.0.0.1] [--port 7860] [--workers 1]

Builds the clause index on first start when it is missing. Also a uvicorn factory:
``uvicorn app:factory --factory``. Settings come from the environment (``ASSISTANT_*``).
"""

from __future__ import annotations

import argparse
import importlib
import threading
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from assistant.settings import Settings

SCALING_NOTE = (
    "Note: the HTTP API is stateless and fine with several workers; the web chat keeps its "
    "event queue in each process, so give it sticky sessions or use one worker per replica. "
    "With several workers prefer Chroma in server mode (ASSISTANT_CHROMA_MODE=http)."
)

# Longer than common clients' idle keep-alive (httpx: 5 s), so the server does not close a
# connection a client is about to reuse.
KEEP_ALIVE_S = 30
# The app reads X-Forwarded-For itself, from ASSISTANT_TRUSTED_PROXIES only; uvicorn's own
# proxy handling (on by default, trusting 127.0.0.1) would rewrite the address before it.
SERVER_OPTIONS: dict[str, Any] = {"timeout_keep_alive": KEEP_ALIVE_S, "proxy_headers": False}


def factory() -> FastAPI:
    """The app over settings from the environment, warmed up: index ensured, model loaded and
    the guard's clause vectors read before the first request, so /readyz means ready to answer
    (uvicorn factory). The chat at / is built in the background once the server runs (Gradio's
    import took longer than the rest of a start). Prints where the start-up seconds went."""
    from assistant.backends.memory import fewer_malloc_arenas
    from assistant.services import Services
    from assistant.web.app_factory import create_app

    fewer_malloc_arenas()  # before the request threads start: ~70 MB less under load
    started = time.perf_counter()
    services = Services(Settings())
    if not _index_is_current(services):
        _import_chat_meanwhile()  # the chat's builder finds it imported, or waits for it
    services.warm_up(progress=True)
    warmed = time.perf_counter()
    app = create_app(services, defer_ui=True)
    done = time.perf_counter()
    print(
        f"Started in {done - started:.1f} s: index, model and first search "
        f"{warmed - started:.1f} s, API {done - warmed:.1f} s (the chat follows)"
    )
    return app


def _index_is_current(services: Any) -> bool:
    """Whether the live index matches the corpus and model (no build at this start)."""
    try:
        return bool(services.index.is_current(services.store.read_manifest()))
    except Exception:  # an unreadable store: warm_up deals with it
        return False


def _import_chat_meanwhile() -> threading.Thread:
    """Import the chat's modules (Gradio: seconds) in a thread while the index is built. The
    build waits on the model export's child process and on ONNX Runtime, neither holding the
    GIL, so the import runs beside it; with an index present there is nothing to overlap
    (measured: no gain), so this is only done on a first start."""
    thread = threading.Thread(
        target=importlib.import_module, args=("assistant.web.ui",), name="import-chat", daemon=True
    )
    thread.start()
    return thread


def parse_args(argv: list[str] | None, settings: Settings) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--host", default=settings.host, help="Address (default 127.0.0.1).")
    parser.add_argument("--port", type=int, default=settings.port, help="Port (default 7860).")
    parser.add_argument("--workers", type=int, default=1, help="Worker processes (default 1).")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv, Settings())
    import uvicorn

    if args.workers <= 1:
        uvicorn.run(factory(), host=args.host, port=args.port, **SERVER_OPTIONS)
        return
    from assistant.services import Services

    print(SCALING_NOTE)
    Services(Settings()).index.ensure(progress=True)  # once, before the workers start
    uvicorn.run(
        "app:factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        app_dir=str(Path(__file__).resolve().parent),
        **SERVER_OPTIONS,
    )


if __name__ == "__main__":
    main()
