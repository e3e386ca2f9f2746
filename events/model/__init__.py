"""The v1 event contract as strict pydantic models (design.md section 3)."""
