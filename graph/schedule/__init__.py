"""The scheduler: jobs on the exchange's calendar, one run per slot across processes, heartbeats,
gating of scheduled trading, and configuration hot reload. ``api.scheduler_command`` is its face."""
