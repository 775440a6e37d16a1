"""Indicators: each leaf's SQL file computes unit × quarter values from the warehouse."""
