"""The shop floor's pages (`/floor/`): server-rendered HTMX pages for operators on a tablet.

Views here only read (selectors) and call services; no business rule lives in a view.
"""
