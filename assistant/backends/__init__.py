"""The only modules that import vendors: embeddings, the Chroma store, LLM clients and the
offline configuration. Everything above talks to these through small interfaces."""
