"""Jobs and their life cycle; the product (SKU) catalogue."""
