"""The admin index's tiles: real counts the shop looks at first (open jobs, queue, files waiting).

Apps add tiles from their AppConfig.ready() with `register_tile`, so the core imports no app.
A tile is shown only to users who may view what it counts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    count: Callable[[], int]
    url_name: str = ""
    url_query: str = ""
    permission: str = ""  # "app_label.view_model"; empty: every staff user
    order: int = 100
    warn_above: int | None = None  # show the tile in the warning colour above this count


_TILES: dict[str, Tile] = {}


def register_tile(tile: Tile) -> None:
    _TILES[tile.key] = tile


def tiles_for(request) -> list[dict]:
    from django.urls import NoReverseMatch, reverse

    shown = []
    for tile in sorted(_TILES.values(), key=lambda t: (t.order, t.label)):
        if tile.permission and not request.user.has_perm(tile.permission):
            continue
        try:
            value = tile.count()
        except Exception:  # a broken tile must not take the admin down; it is logged
            logger.exception("dashboard tile %s failed", tile.key)
            value = None
        url = ""
        if tile.url_name:
            try:
                url = reverse(tile.url_name) + (f"?{tile.url_query}" if tile.url_query else "")
            except NoReverseMatch:
                url = ""
        shown.append(
            {
                "label": tile.label,
                "value": value,
                "url": url,
                "warn": value is not None
                and tile.warn_above is not None
                and value > tile.warn_above,
            }
        )
    return shown
