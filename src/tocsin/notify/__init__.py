"""Reaching people: ``channels`` send a message one way (email, webhook), ``contacts`` are
users' contact methods and the codes that verify them. Paging builds here."""
