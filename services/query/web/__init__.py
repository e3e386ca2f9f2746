"""The public web pages of the query service: i18n, templates, the lot story, the QR code (see README.md)."""
