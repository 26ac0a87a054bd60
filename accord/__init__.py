"""Accord: customer care and billing for digital service providers."""
