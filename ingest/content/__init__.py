"""What a file says: its type from its content (detect), what its name says (naming), the
shop's facts in free text (textscan), text read from pictures (ocr), and the whole reading of one
file through the parser registry (pipeline.analyse)."""
