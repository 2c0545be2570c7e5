"""Synchronisation of the council table with the town hall (no Qt widget here)."""
