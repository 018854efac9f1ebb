"""The `sweetspot` command line, one module per command."""
