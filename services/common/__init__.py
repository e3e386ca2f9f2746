"""Plumbing shared by the services: settings, platform keys, Kafka clients, HTTP health and metrics."""
