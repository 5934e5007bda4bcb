"""HTTP faces: the ingest endpoints, the REST API under /api/v1, health and metrics."""
