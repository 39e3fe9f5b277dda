"""Headless output of `bptui trace` and `bptui train`: text (rich), Markdown and JSON."""
