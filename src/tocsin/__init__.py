"""Tocsin: self-hosted incident response, from the first alert to the finished postmortem."""

__version__ = "0.1.0"
