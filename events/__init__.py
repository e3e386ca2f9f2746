"""The pure kernel of goldtrace: event models, canonical bytes, signatures, custody rules, Merkle log. No I/O."""
