"""Which failures a custody worker waits out (Kafka away, a leader being elected) and which stop it."""

from __future__ import annotations

import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    LeaderNotAvailableError,
    NotLeaderForPartitionError,
    OutOfOrderSequenceNumber,
)

from services.custody.runtime import is_transient_kafka_error


@pytest.mark.parametrize(
    "error",
    [LeaderNotAvailableError(), NotLeaderForPartitionError(), KafkaConnectionError(), KafkaTimeoutError()],
)
def test_a_broker_that_is_away_or_electing_a_leader_is_waited_out(error: Exception) -> None:
    assert is_transient_kafka_error(error)


FATAL = [OutOfOrderSequenceNumber(), RuntimeError("partition 0: offset 7 arrived, 5 expected"), ValueError("x")]


@pytest.mark.parametrize("error", FATAL)
def test_a_broken_producer_or_a_bug_is_not(error: Exception) -> None:
    assert not is_transient_kafka_error(error)
