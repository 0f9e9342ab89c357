"""Settings of webhooks out (comms.webhooks, README "Webhooks"), read from the environment
(.env.example lists them); laseros.settings takes them all."""

import environ

__all__ = [
    "WEBHOOK_ALLOW_PRIVATE_URLS",
    "WEBHOOK_DISABLE_AFTER_HOURS",
    "WEBHOOK_KEEP_DAYS",
    "WEBHOOK_RESPONSE_MAX_BYTES",
    "WEBHOOK_RETRY_SCHEDULE",
    "WEBHOOK_SECRET_OVERLAP_HOURS",
    "WEBHOOK_TIMEOUT_SECONDS",
]

env = environ.Env()

# Seconds between a delivery's tries, each with up to 10 % jitter added; after the last it is
# left failed. The default spans about 27.6 hours.
WEBHOOK_RETRY_SCHEDULE = env.str(
    "WEBHOOK_RETRY_SCHEDULE", default="5,300,1800,7200,18000,36000,36000"
)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_RESPONSE_MAX_BYTES = env.int("WEBHOOK_RESPONSE_MAX_BYTES", default=65536)
# Off: localhost, private, link-local and other non-public addresses are refused (no SSRF).
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)
# An endpoint failing this long without one success is switched off and the managers are told.
WEBHOOK_DISABLE_AFTER_HOURS = env.float("WEBHOOK_DISABLE_AFTER_HOURS", default=72.0)
# After a secret is rotated, the previous one also signs for this long.
WEBHOOK_SECRET_OVERLAP_HOURS = env.float("WEBHOOK_SECRET_OVERLAP_HOURS", default=24.0)
# Deliveries finished (delivered or given up) and the events with none left are deleted after
# this many days; a delivery still waiting is kept however old. 0 keeps them all.
WEBHOOK_KEEP_DAYS = env.int("WEBHOOK_KEEP_DAYS", default=90)
