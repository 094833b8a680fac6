"""What an operator sees of a running ticketd: request ids, JSON logs and Prometheus
metrics (docs/operations.md)."""
