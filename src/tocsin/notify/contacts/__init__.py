"""Users' contact methods: verifying that an address reaches its owner."""
