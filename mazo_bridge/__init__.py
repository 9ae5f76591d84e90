"""Research validation: the native research subgraph and an adapter for an external Mazo."""
