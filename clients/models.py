"""Who we work for: clients and their contacts."""
