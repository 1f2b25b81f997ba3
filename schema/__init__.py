"""The GraphQL surface: strawberry types only. No SQL here, and no policy logic."""
