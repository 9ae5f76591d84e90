"""Research validation: the native research subgraph and the adapter for an external Mazo process."""
