"""What the instruments say: clause records, the parser, instrument loading, clause ids,
references ("10(ii)", "paragraph IV.9") and citation markers. Imports nothing but settings."""
