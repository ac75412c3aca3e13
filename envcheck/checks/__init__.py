"""Checks: run the probes of one area, diagnose, and return a JSON-ready report (no printing)."""
