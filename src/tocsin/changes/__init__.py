"""Changes: deploys, config and flag changes recorded on services (suspects in incidents)."""
