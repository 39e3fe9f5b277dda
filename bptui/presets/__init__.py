"""Built-in network presets, as TOML files (`bptui presets NAME` prints one)."""
