"""Admin for the production app."""
