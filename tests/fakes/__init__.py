"""Local servers that speak third-party wire formats, for tests."""
