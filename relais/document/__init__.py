"""A story as data: ingest (web page, Markdown, text) into blocks and segments with inline
placeholders, the one model of a translation (``translation``), and its rendering."""
