"""Admin for the projects app."""
