"""bptui's tests."""
