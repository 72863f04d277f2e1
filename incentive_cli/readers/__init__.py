"""Readers: files -> typed records + diagnostics."""
