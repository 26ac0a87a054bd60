"""Temporal workflows: deterministic orchestration of activities, no I/O of their own."""
