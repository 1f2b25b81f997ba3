"""Around every request: the context, schema extensions, errors, rate limits."""
