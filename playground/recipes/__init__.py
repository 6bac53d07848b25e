"""Deterministic training recipes for the files in `pretrained/`, one module per model family."""
