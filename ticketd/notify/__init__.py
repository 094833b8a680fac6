"""Notifications: events become deliveries (one per destination), which a worker sends
to Discord, integrators' signed webhooks and e-mail, with retries, outside requests."""
