"""Dagster definitions, one folder per stage of the data's path; each stage has a builder that
takes the city project, and ``pipelines.definitions`` merges them."""
