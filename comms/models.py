"""What we tell people: templates, the outbox, notifications, webhooks."""
