"""Placeholder replaced by the GraphiQL assets work (see issue 2)."""
