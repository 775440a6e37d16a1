"""Intake: the landing folder and the content-addressed archive."""
