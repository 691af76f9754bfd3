"""The web front doors: the HTTP API (with an OpenAI-compatible endpoint) and the Gradio chat,
built together by ``assistant.web.app_factory.create_app``."""
