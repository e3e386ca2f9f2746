"""The gateway: takes signed events over HTTP, checks schema and signature, and queues them on Kafka."""
