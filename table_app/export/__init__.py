"""Printable documents made from the session: deliberation extracts as PDF."""
