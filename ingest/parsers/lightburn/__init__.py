"""LightBurn projects (.lbrn, .lbrn2): layers, shapes, cut length, pierces, parts, thumbnail.

A project is XML: `<LightBurnProject>` holds `<CutSetting>` layers and `<Shape>` elements (Rect,
Ellipse, Path, Group, Text, Bitmap), each placed by an `<XForm>` affine matrix `a b c d tx ty`
that composes with its groups'. Paths come in two spellings:

* .lbrn2 (FormatVersion 1): `<VertList>V10 20c0x1c1x1V...</VertList>` and
  `<PrimList>L0 1B1 2</PrimList>` (or `LineClosed` / `LineOpen`). `c0x1` alone means "no control
  point"; a control point is written `c0x<x>c0y<y>`. A bezier `B i j` runs from vertex i (its c0)
  to vertex j (its c1). A shape may leave its lists out and refer by `VertID` / `PrimID` to the
  lists an earlier shape defined.
* .lbrn (FormatVersion 0): `<V vx= vy= c0x= .../>` and `<P T="L|B" p0= p1=/>` elements.

The XML is read with defusedxml and no DTD is accepted: LightBurn never writes one, so a DTD or an
entity means a hostile or broken file. Lengths are millimetres (LightBurn stores mm); y points up.
"""

from .parser import LightBurnParser

__all__ = ["LightBurnParser"]
