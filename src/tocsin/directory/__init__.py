"""The directory: who and what Tocsin knows (users and teams, services, integrations and
change sources, API tokens), read by the API, the CLI and the calendar feeds. The world
file writes these rows (``world/kinds``); tokens are written here."""
