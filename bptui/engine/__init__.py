"""The backprop engine: pure Python and numpy, no textual, no rich."""
