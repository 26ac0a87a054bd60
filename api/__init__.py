"""The HTTP front: thin routes that read PostgreSQL and start Temporal workflows."""
