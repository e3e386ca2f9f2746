"""The ledger: consumes accepted and rejected events into PostgreSQL, appends the transparency log, signs heads."""
