"""Demo data for `make run`, created through the product's own resolvers so it obeys every rule."""
