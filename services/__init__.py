"""goldtrace services: thin entrypoints and adapters around the pure kernel in `events`."""
