"""A private pipeline on a running stack (own topics, database, trust anchor, processes) for tests and benches."""
