"""Browser tests: the verification pages in headless Chromium against a real query server."""
