"""The domain's demo steps (clients, projects, stock, production), registered with laseros.demo.

This module sits at the top layer: it may import every app.
"""
