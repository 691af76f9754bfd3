"""Attribution of any text against the instruments: sentence by sentence, which clause supports
it, contradicts it, or that none speaks to it (issue 15)."""
