"""The deterministic risk gate: pure functions over a typed snapshot and the risk parameters."""
