"""Geometry of cut drawings: DXF files measured in millimetres, without the database.

Pipeline (`analysis.analyse_dxf`): `loading` (ezdxf, recover, units) → `flatten` (model space
to a `primitives.PieceTable`, blocks and OCS resolved) → `measure` (exact lengths, areas,
boxes) → `chaining` (contours) → `topology` (parts, holes, nesting) → `checks` (drawing
checks) → `preview` (PNG).
"""

from .analysis import DrawingAnalysis, analyse_dxf

__all__ = ["DrawingAnalysis", "analyse_dxf"]
