"""Ids the contract allows and refuses: 1 to 128 characters from A-Z a-z 0-9 . _ : -

The models' rule (tests/unit/events/test_models.py) and the database's CHECKs (tests/integration/test_postgres_floor.py)
are held to these same cases, so the two cannot drift apart.
"""

from typing import Final

ID_CASES: Final[list[tuple[str, bool]]] = [
    ("a", True),
    ("A.b_c:d-9", True),
    ("LOT-CECOMIP-2026.000123:x_y", True),
    ("x" * 128, True),
    ("x" * 129, False),
    ("", False),
    ("with space", False),
    ("slash/no", False),
    ("lot\n", False),
    ("ñandú", False),
    ("lot\u0661", False),
]
