"""Key files (0600, reused on rerun, never the authority's made here), the seed file, and participants.json."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from events.keys import derive_key_id, generate_private_key, write_private_key
from services.demo import cast
from services.demo.errors import DemoError
from services.demo.home import SEASON_VERSION, DemoHome, load_or_create_seed, read_seed
from services.demo.keys import demo_keys, ensure_keys, forger_key, key_file, participants_listing, public_entries
from services.demo.keys import write_json as write_listing

NOW = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)


@pytest.fixture
def demo(tmp_path: Path) -> DemoHome:
    home = DemoHome(tmp_path / "home")
    home.keys_dir.mkdir(parents=True)
    write_private_key(home.keys_dir / "authority.pem", generate_private_key())
    return home


def test_keys_are_made_once_0600_and_reused(demo: DemoHome) -> None:
    participants = [member.participant for member in cast.CAST]
    first = ensure_keys(demo, participants)
    made = sorted(path.name for path in demo.keys_dir.iterdir())
    assert made == sorted(["authority.pem", *(f"{p}.pem" for p in participants if p != cast.AUTHORITY)])
    assert {stat.S_IMODE(path.stat().st_mode) for path in demo.keys_dir.iterdir()} == {0o600}
    again = ensure_keys(demo, participants)
    assert public_entries(again) == public_entries(first)
    assert key_file(demo, cast.AUTHORITY) == demo.keys_dir / "authority.pem"


def test_no_authority_key_means_the_stack_was_never_started(tmp_path: Path) -> None:
    with pytest.raises(DemoError) as caught:
        ensure_keys(DemoHome(tmp_path), [cast.CECOMIP])
    assert caught.value.code == "demo.no_authority_key"
    assert "goldtrace up" in caught.value.detail


def test_an_unusable_key_file_is_refused_with_its_code(demo: DemoHome) -> None:
    (demo.keys_dir / f"{cast.CECOMIP}.pem").write_text("not a key")
    with pytest.raises(DemoError) as caught:
        ensure_keys(demo, [cast.CECOMIP])
    assert caught.value.code == "keyfile.not_ed25519"


def test_the_seed_is_made_once_and_kept(demo: DemoHome) -> None:
    first = load_or_create_seed(demo, NOW)
    later = load_or_create_seed(demo, datetime(2027, 3, 1, tzinfo=UTC))
    assert later == first
    assert first.created == NOW
    assert json.loads(demo.seed_file.read_text())["seed"] == first.seed.hex()


def test_a_stack_that_played_an_older_season_is_told_to_start_clean(demo: DemoHome) -> None:
    first = load_or_create_seed(demo, NOW)
    stored = json.loads(demo.seed_file.read_text())
    assert stored["season"] == SEASON_VERSION
    del stored["season"]  # seed files of the first season had no version
    demo.seed_file.write_text(json.dumps(stored))
    with pytest.raises(DemoError) as caught:
        load_or_create_seed(demo, NOW)
    assert caught.value.code == "demo.season_changed"
    assert "make clean" in caught.value.detail
    assert read_seed(demo.seed_file) == first


@pytest.mark.parametrize("content", ["", "{}", '{"seed": "abcd", "created": "2026-11-27T05:00:00Z"}', "[1]"])
def test_a_broken_seed_file_is_refused_with_a_sentence(demo: DemoHome, content: str) -> None:
    demo.demo_dir.mkdir()
    demo.seed_file.write_text(content)
    with pytest.raises(DemoError) as caught:
        read_seed(demo.seed_file)
    assert caught.value.code == "demo.seed_unreadable"
    assert str(demo.seed_file) in caught.value.detail


def test_the_forger_key_depends_on_the_seed_and_is_no_participants(demo: DemoHome) -> None:
    seed = load_or_create_seed(demo, NOW)
    keys = demo_keys(demo, seed)
    assert public_entries({"f": forger_key(seed)}) == public_entries({"f": keys[cast.FORGER]})
    cast_keys = {derive_key_id(key.public_key()) for name, key in keys.items() if name != cast.FORGER}
    assert derive_key_id(keys[cast.FORGER].public_key()) not in cast_keys
    assert not (demo.keys_dir / f"{cast.FORGER}.pem").exists()


def test_participants_json_lists_ids_names_roles_keys_and_an_asmos_mines(demo: DemoHome) -> None:
    seed = load_or_create_seed(demo, NOW)
    public = public_entries(demo_keys(demo, seed))
    write_listing(demo.participants_file, participants_listing(demo, seed, public))
    listing = json.loads(demo.participants_file.read_text())
    by_id = {entry["participant"]: entry for entry in listing}
    assert set(by_id) == {member.participant for member in cast.CAST}
    for member in cast.CAST:
        entry = by_id[member.participant]
        assert (entry["name"], entry["roles"], entry["keyid"]) == (
            member.name,
            list(member.roles),
            public[member.participant].keyid,
        )
        assert Path(entry["key_file"]).exists()
        assert entry["source"] == f"/participants/{member.participant}"
    assert by_id[cast.CRUZ_PATA]["certificates"] == [seed.named("fm-cruz-pata")]
    assert cast.PALLAQUERAS in by_id[cast.CRUZ_PATA]["groups"]
    assert "mines" not in by_id[cast.TRADER]
