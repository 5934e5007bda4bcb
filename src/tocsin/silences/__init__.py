"""Silences (label matchers that hold matching alerts from paging until they expire) and
reading maintenance windows."""
