"""Benchmarks of the assistant against the naive LangChain RAG baseline (``make bench``)."""
