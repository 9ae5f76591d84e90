"""The trading graph: state, nodes, wiring per workflow mode, and the deterministic risk gate.

Kept import-free on purpose so that ``tools`` and ``agents`` can import ``domain`` without
pulling in the graph builder (which itself depends on them).
"""
