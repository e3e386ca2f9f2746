"""The query service: lots, provenance, bundles and the transparency log for buyers and auditors."""
