"""Scoring: indicator values → node scores (engine) → rankings with change since last quarter."""
