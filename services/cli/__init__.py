"""The `goldtrace` command line."""
