"""The local stack runner: Apache Kafka (KRaft) from its jars, embedded PostgreSQL, topics and migrations."""
