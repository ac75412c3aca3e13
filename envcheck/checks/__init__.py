"""Checks that run a probe in the target interpreter and judge it: each returns a JSON-ready dict."""
