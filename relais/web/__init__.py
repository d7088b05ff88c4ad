"""The review desk in a browser: the FastAPI app, its gate, its routers by concern, its
templates and static files.  The top layer: it calls review, publish and memory, never the reverse."""
