"""Pipeline settings from the environment: who checks signatures in custody."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.common.platform_keys import PlatformKeys
from services.common.settings import PipelineSettings
from services.stack.errors import StackError


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    PlatformKeys(tmp_path / "keys").ensure()
    return {"GOLDTRACE_HOME": str(tmp_path)}


def test_custody_takes_the_gateways_signature_check_unless_told_to_verify(env: dict[str, str]) -> None:
    assert not PipelineSettings.from_env(env).custody_rechecks_signatures
    assert not PipelineSettings.from_env({**env, "GOLDTRACE_CUSTODY_SIGNATURES": "gateway"}).custody_rechecks_signatures
    assert PipelineSettings.from_env({**env, "GOLDTRACE_CUSTODY_SIGNATURES": "verify"}).custody_rechecks_signatures


def test_an_unknown_choice_is_refused_with_the_two_that_exist(env: dict[str, str]) -> None:
    with pytest.raises(StackError) as refused:
        PipelineSettings.from_env({**env, "GOLDTRACE_CUSTODY_SIGNATURES": "never"})
    assert refused.value.code == "stack.bad_setting"
    assert "`gateway`" in str(refused.value)
    assert "`verify`" in str(refused.value)
