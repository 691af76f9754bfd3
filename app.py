"""Start the assistant's web app: the HTTP API under /v1 and the chat at /, in one server.

    python app.py [--host 127.0.0.1] [--port 7860] [--workers 1]

Builds the clause index on first start when it is missing. Also a uvicorn factory:
``uvicorn app:factory --factory``. Settings come from the environment (``ASSISTANT_*``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fastapi import FastAPI

from assistant.settings import Settings


def factory() -> FastAPI:
    """The app over settings from the environment, with the index ensured (uvicorn factory)."""
    from assistant.services import Services
    from assistant.web.app_factory import create_app

    services = Services(Settings())
    services.index.ensure(progress=True)
    return create_app(services)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=None, help="Address to listen on (default 127.0.0.1).")
    parser.add_argument("--port", type=int, default=None, help="Port (default 7860).")
    parser.add_argument("--workers", type=int, default=1, help="Worker processes (default 1).")
    args = parser.parse_args(argv)
    settings = Settings()
    host, port = args.host or settings.host, args.port or settings.port

    import uvicorn

    if args.workers > 1:  # each worker builds its own app; build the index once, first
        from assistant.services import Services

        Services(settings).index.ensure(progress=True)
        uvicorn.run(
            "app:factory",
            factory=True,
            host=host,
            port=port,
            workers=args.workers,
            app_dir=str(Path(__file__).resolve().parent),
        )
    else:
        uvicorn.run(factory(), host=host, port=port)


if __name__ == "__main__":
    main()
