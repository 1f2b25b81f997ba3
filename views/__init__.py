"""Building GraphQL objects from rows and policy decisions: profiles, edges, ids, cursors."""
