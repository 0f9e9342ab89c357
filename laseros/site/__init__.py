"""The top wiring (ARCHITECTURE.md, layer 6): the root URLs, the API's URL list, the demo shop.

This is the one place in Laser OS that may import every app. The rest of `laseros` is the core
(layer 0: settings, roles, audit, sequences, working days, import and export frames, registries,
test helpers) and imports no app; `laseros/tests/test_layers.py` keeps both true.
"""
