"""Dagster definitions, one folder per stage of the data's path; loaded by
``pipelines.definitions`` with ``dagster.load_defs``."""
