"""From ranked clauses to a cited, guarded answer: the pipeline and its steps (scope, figures,
follow-ups, composer, grounding checker, guard), the answer types and the prompts."""
