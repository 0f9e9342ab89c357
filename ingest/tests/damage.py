"""Damaged copies of real files, for the parsers' "read or refused, never a crash" tests."""

from __future__ import annotations

import random
from collections.abc import Iterator


def mutants(data: bytes, count: int, seed: int) -> Iterator[bytes]:
    """Damaged copies of `data`: flipped bytes, cut short, or zeroed runs (reproducible)."""
    rng = random.Random(seed)
    for _ in range(count):
        copy = bytearray(data)
        how = rng.choice(("flip", "cut", "zero"))
        if how == "flip":
            for _ in range(rng.randint(1, 20)):
                copy[rng.randrange(len(copy))] = rng.randrange(256)
        elif how == "cut":
            copy = copy[: rng.randrange(1, len(copy))]
        else:
            start = rng.randrange(len(copy))
            copy[start : start + 200] = bytes(len(copy[start : start + 200]))
        yield bytes(copy)
