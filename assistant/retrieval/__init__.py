"""From a question to ranked clauses: representations, ingestion, lexical scoring, query
rewriting, hybrid search and the LangChain retriever."""
