"""Who is asking: passwords, access tokens, sessions, OAuth client credentials."""
