"""Incidents: what humans respond to; opened and grouped from alerts."""
