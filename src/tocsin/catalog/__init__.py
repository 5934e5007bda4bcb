"""The service catalog: teams, services and their integrations (written by ``tocsin apply``)."""
