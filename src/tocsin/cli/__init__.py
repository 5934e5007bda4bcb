"""The ``tocsin`` command line: a thin face over the same service functions as the API."""
