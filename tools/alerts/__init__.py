"""Operator alerts: e-mail over SMTP and chat webhooks, de-duplicated and rate-limited."""
