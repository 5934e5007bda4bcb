"""Watching Tocsin itself: metrics for Prometheus and structured logs."""
