"""Thumbnails of a drawing's preview: a one-pixel cut line survives the shrinking."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from ingest.thumbnails import thumbnail_png


def _png(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def _preview(width: int = 800, height: int = 400) -> bytes:
    """A preview as the reader draws it: a pale part with a one-pixel dark outline."""
    picture = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((10, 10, width - 11, height - 11), fill=(226, 230, 236), outline=(25, 25, 35))
    draw.ellipse((300, 150, 340, 190), fill=(255, 255, 255), outline=(20, 70, 160))
    return _png(picture)


def test_a_one_pixel_outline_survives_and_the_shape_is_kept() -> None:
    small = Image.open(io.BytesIO(thumbnail_png(_preview(), size_px=64))).convert("L")
    assert small.size == (64, 32)
    darkest, lightest = small.getextrema()
    assert darkest <= 60 and lightest >= 220
    # a browser's own shrinking of the same preview leaves it a pale square
    shrunk = Image.open(io.BytesIO(_preview())).convert("L").resize((64, 32), Image.Resampling.BOX)
    assert shrunk.getextrema()[0] > 180


def test_a_small_picture_is_not_enlarged() -> None:
    small = Image.open(io.BytesIO(thumbnail_png(_preview(40, 30), size_px=64)))
    assert small.size == (40, 30)


@pytest.mark.parametrize("size", [0, 15, 401])
def test_sizes_outside_the_range_are_refused(size: int) -> None:
    with pytest.raises(ValueError, match="16 to 400 px"):
        thumbnail_png(_preview(), size_px=size)


def test_bytes_that_are_not_a_picture_are_refused() -> None:
    with pytest.raises(ValueError, match="not a picture"):
        thumbnail_png(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, size_px=64)
