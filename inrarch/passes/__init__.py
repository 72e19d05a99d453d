"""Passes of inrarch, one pass a file."""
