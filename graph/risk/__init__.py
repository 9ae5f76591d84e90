"""The deterministic risk gate: pure functions over a typed snapshot and config/risk_parameters.yaml."""
