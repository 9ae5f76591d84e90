"""What an operator watches: Prometheus metrics, JSON log lines, and the filter that keeps every
secret out of them. Faces (api/) mount the metrics and configure logging; the graph and the
tools report into these modules with one call at the place where the thing happens."""
