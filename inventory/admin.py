"""Admin for the inventory app."""
