"""ticketd: a self-hostable support-ticket service."""
