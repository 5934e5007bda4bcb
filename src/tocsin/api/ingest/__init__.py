"""The intake's HTTP faces: one raw ASGI handler module per sender format (the hot path).

``routes.ingest_routes`` maps every ingest path to its handler; ``common`` holds what the
handlers share (reading bodies, answering, routing keys, counters); ``openapi*`` describe
these routes in ``/openapi.json``. Parsing lives in ``tocsin.ingest``, storing in the
group-commit writer.
"""
