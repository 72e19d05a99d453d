"""Dataflow design utilities: cycle model, hardware model, design model, reports."""
