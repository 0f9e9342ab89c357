"""How we cut: machines, operators, cut presets, the queue, laser runs."""
