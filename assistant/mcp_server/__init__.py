"""The MCP front door: the assistant as Model Context Protocol tools and resources, for the
organisation's own AI agents (Copilot-style agents, desktop assistants, Open WebUI, LangChain).

``server.build_server`` makes the tools over one ``Services``; ``stdio.run_stdio`` serves them
on standard input/output (``assistant mcp``), and ``assistant.web.mcp_http`` mounts them as
streamable HTTP at ``/mcp`` in the web app, behind the API keys. The ``mcp`` SDK is imported
only here and in that web module, as FastAPI is only in ``web``.
"""
