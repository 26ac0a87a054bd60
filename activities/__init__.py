"""Temporal activities: thin, idempotent units that call the services, one transaction each."""
