"""Rules of certified extraction: a certificate of the holder, covering the mine, valid and in force at `time`."""

from __future__ import annotations

from events.custody.refusal import CustodyError
from events.custody.registry import Certificate


def require_holder(certificate: Certificate, asmo: str) -> None:
    """A lot is certified only under a certificate held by the ASMO that extracted it."""
    if certificate.holder != asmo:
        raise CustodyError(
            "certificate.not_holder",
            f"Certificate {certificate.certificate!r} is held by {certificate.holder!r}, not by {asmo!r}; "
            "claim only your own certificate.",
        )


def require_covers(certificate: Certificate, mine: str) -> None:
    """The certificate names the mine."""
    if mine not in certificate.mines:
        raise CustodyError(
            "certificate.mine_not_covered",
            f"Certificate {certificate.certificate!r} does not cover mine {mine!r}; "
            "register the lot as uncertified or have the certifier extend the certificate.",
        )


def require_in_force(certificate: Certificate) -> None:
    """A suspended or withdrawn certificate certifies nothing."""
    if certificate.status == "suspended":
        raise CustodyError(
            "certificate.is_suspended",
            f"Certificate {certificate.certificate!r} is suspended; lots extracted now are uncertified "
            "until the certifier reinstates it.",
        )
    if certificate.status == "withdrawn":
        raise CustodyError(
            "certificate.is_withdrawn",
            f"Certificate {certificate.certificate!r} was withdrawn; register the lot as uncertified.",
        )


def require_valid_at(certificate: Certificate, time: str, time_ns: int) -> None:
    """The extraction's `time` lies in [valid_from, valid_until)."""
    if not certificate.valid_from_ns <= time_ns < certificate.valid_until_ns:
        raise CustodyError(
            "certificate.not_valid_at_time",
            f"Certificate {certificate.certificate!r} is valid from {certificate.valid_from} until "
            f"{certificate.valid_until}, which does not include {time}; the lot cannot be certified under it.",
        )


def require_mercury_free(certificate: Certificate, mercury_free: bool) -> None:
    """Fairmined Ecological gold is extracted without mercury."""
    if certificate.standard == "fairmined-ecological" and not mercury_free:
        raise CustodyError(
            "certificate.mercury_used",
            f"Certificate {certificate.certificate!r} is Fairmined Ecological, which allows no mercury, "
            "but the lot is declared mercury_free: false.",
        )
