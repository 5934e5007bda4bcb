"""Providers: the relays and endpoints a contact method's pages may leave through, in
priority order (``chain``), and their circuit breakers (``breaker``: the pure arithmetic;
``store``: the rows every worker shares)."""
