"""Ingest: one module per wire format, each turning its payloads into ``core.events`` types."""
