"""Admin for the comms app."""
