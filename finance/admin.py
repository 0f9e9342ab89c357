"""Admin for the finance app."""
