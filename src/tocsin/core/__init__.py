"""The functional core: pure types and rules. No I/O, no clock reads, no database."""
