"""The Textual step-through debugger."""
