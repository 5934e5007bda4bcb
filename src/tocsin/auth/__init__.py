"""Authentication: API tokens for /api/v1 (integration keys only authenticate ingest)."""
