"""Every reason and finding code a lot's history can show, in plain words for the public, in Spanish and English.

The technical meanings are in events/reasons.py (English, for engineers); a unit test keeps this catalogue
complete for every signature, refusal, finding and verdict code there. A code missing here would still render
(`reason_text` falls back to a general sentence), but the test fails first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from services.query.web.i18n import Language

T = Mapping[Language, str]

VERDICT_TEXTS: Final[dict[str, T]] = {
    "verdict.lot_unknown": {
        "es": "Ningún registro aceptado crea este lote: su extracción o su fabricación fue rechazada o no existe.",
        "en": "No accepted record creates this lot: its extraction or making was refused or never recorded.",
    },
    "verdict.refused": {
        "es": "El registro que crearía este lote fue rechazado por las reglas: este oro no entró en la cadena de "
        "custodia.",
        "en": "The record that would create this lot was refused by the rules: this gold never entered the chain of "
        "custody.",
    },
    "verdict.upstream_rejected": {
        "es": "Un paso de su historia (o del registro de quienes participaron) fue rechazado por las reglas.",
        "en": "A step of its history (or of the register of those who took part) was refused by the rules.",
    },
    "verdict.upstream_missing": {
        "es": "Un paso de su historia depende de un registro que no existe (un lote, una clave, un participante, "
        "una mina o un certificado).",
        "en": "A step of its history depends on a record that does not exist (a lot, a key, a participant, "
        "a mine or a certificate).",
    },
    "verdict.key_revoked": {
        "es": "Un paso de su historia fue firmado con una clave que ya había sido revocada.",
        "en": "A step of its history was signed with a key that had already been revoked.",
    },
}

SIGNATURE_TEXTS: Final[dict[str, T]] = {
    "key.malformed": {"es": "la clave pública no es válida", "en": "the public key is not valid"},
    "key.unknown": {
        "es": "fue firmado con una clave que nunca se registró",
        "en": "it was signed with a key that was never registered",
    },
    "key.revoked": {
        "es": "fue firmado con una clave ya revocada",
        "en": "it was signed with a key that had been revoked",
    },
    "key.wrong_participant": {
        "es": "fue firmado con la clave de otro participante",
        "en": "it was signed with another participant's key",
    },
    "signature.malformed": {"es": "la firma está dañada", "en": "the signature is damaged"},
    "signature.invalid": {
        "es": "la firma no corresponde a la clave de quien dice firmar (firma falsa o datos alterados)",
        "en": "the signature does not match the signer's key (a forged signature or altered data)",
    },
}

REFUSAL_TEXTS: Final[dict[str, T]] = {
    "event.id_conflict": {
        "es": "otro registro distinto ya usaba el mismo identificador",
        "en": "a different record already used the same identifier",
    },
    "role.missing": {
        "es": "quien firmó no tiene el papel que este paso exige",
        "en": "the signer does not hold the role this step needs",
    },
    "role.cannot_hold_gold": {
        "es": "quien firmó no puede tener oro a su cargo",
        "en": "the signer may not hold gold",
    },
    "participant.already_registered": {
        "es": "el participante ya estaba registrado",
        "en": "the participant was registered already",
    },
    "participant.unknown": {
        "es": "nombra a un participante que no está registrado",
        "en": "it names a participant who is not registered",
    },
    "participant.members_required": {
        "es": "se registró una organización minera sin el número de sus socias y socios",
        "en": "a mining organization was registered without its member counts",
    },
    "key.id_taken": {"es": "el identificador de la clave ya se usaba", "en": "the key's identifier was taken"},
    "revocation.unknown_key": {
        "es": "la clave a revocar no existe",
        "en": "the key to revoke does not exist",
    },
    "revocation.already_revoked": {
        "es": "la clave ya estaba revocada",
        "en": "the key was revoked already",
    },
    "revocation.own_signing_key": {
        "es": "una clave no puede firmar su propia revocación",
        "en": "a key cannot sign its own revocation",
    },
    "mine.already_registered": {"es": "la mina ya estaba registrada", "en": "the mine was registered already"},
    "mine.operator_not_asmo": {
        "es": "quien opera la mina no es una organización minera registrada",
        "en": "the mine's operator is not a registered mining organization",
    },
    "mine.unknown": {"es": "nombra una mina que no está registrada", "en": "it names a mine that is not registered"},
    "certificate.already_issued": {
        "es": "el certificado ya había sido emitido",
        "en": "the certificate was issued already",
    },
    "certificate.holder_not_asmo": {
        "es": "el titular del certificado no es una organización minera registrada",
        "en": "the certificate's holder is not a registered mining organization",
    },
    "certificate.mine_not_of_holder": {
        "es": "el certificado nombra una mina que su titular no opera",
        "en": "the certificate names a mine its holder does not operate",
    },
    "certificate.unknown": {
        "es": "nombra un certificado que nunca se emitió",
        "en": "it names a certificate that was never issued",
    },
    "certificate.not_issuer": {
        "es": "solo quien emitió un certificado puede cambiar su estado",
        "en": "only the certificate's issuer may change its status",
    },
    "certificate.invalid_transition": {
        "es": "ese cambio de estado del certificado no es posible",
        "en": "that change of the certificate's status is not possible",
    },
    "certificate.not_holder": {
        "es": "el lote invoca el certificado de otra organización",
        "en": "the lot claims another organization's certificate",
    },
    "certificate.mine_not_covered": {
        "es": "el certificado invocado no cubre la mina del lote",
        "en": "the certificate claimed does not cover the lot's mine",
    },
    "certificate.is_suspended": {
        "es": "el certificado invocado estaba suspendido",
        "en": "the certificate claimed was suspended",
    },
    "certificate.is_withdrawn": {
        "es": "el certificado invocado había sido retirado",
        "en": "the certificate claimed had been withdrawn",
    },
    "certificate.not_valid_at_time": {
        "es": "el certificado no estaba vigente en esa fecha (había vencido o aún no empezaba)",
        "en": "the certificate was not valid on that date (it had lapsed or not yet begun)",
    },
    "certificate.mercury_used": {
        "es": "el oro Fairmined Ecológico debe estar libre de mercurio, y este lote no lo estaba",
        "en": "Fairmined Ecological gold must be mercury-free, and this lot was not",
    },
    "lot.unknown": {
        "es": "nombra un lote que nunca se creó",
        "en": "it names a lot that was never created",
    },
    "lot.consumed": {
        "es": "ese lote ya se había fundido o transformado en otros y no puede volver a usarse (doble uso)",
        "en": "that lot had already been melted or made into others and cannot be used again (a double use)",
    },
    "lot.in_transit": {
        "es": "el lote estaba en camino: solo quien debe recibirlo puede actuar sobre él",
        "en": "the lot was in transit: only its named receiver may act on it",
    },
    "lot.id_reused": {
        "es": "el identificador del lote nuevo ya estaba en uso",
        "en": "the new lot's identifier was taken",
    },
    "custody.not_custodian": {
        "es": "quien firmó no tenía el lote en su poder",
        "en": "the signer did not hold the lot",
    },
    "extraction.not_operator": {
        "es": "quien firmó no opera la mina de la que dice venir el lote",
        "en": "the signer does not operate the mine the lot is said to come from",
    },
    "extraction.no_fine_gold": {
        "es": "el lote declarado no contiene oro fino",
        "en": "the declared lot holds no fine gold",
    },
    "extraction.unknown_group": {
        "es": "nombra un grupo de mineras o mineros que la organización no registró",
        "en": "it names a group of miners the organization did not register",
    },
    "assay.not_an_assayer": {
        "es": "el ensayo nombra a un laboratorio que no está registrado como tal",
        "en": "the assay names a laboratory that is not registered as one",
    },
    "assay.above_ceiling": {
        "es": "la ley ensayada da al lote más oro fino del que sus orígenes permiten",
        "en": "the assayed fineness gives the lot more fine gold than its origins allow",
    },
    "shipment.to_self": {
        "es": "nadie puede enviarse un lote a sí mismo",
        "en": "nobody may ship a lot to themselves",
    },
    "shipment.receiver_cannot_hold": {
        "es": "el destinatario no puede tener oro a su cargo",
        "en": "the receiver may not hold gold",
    },
    "receipt.not_in_transit": {
        "es": "el lote recibido no estaba en camino",
        "en": "the lot received was not in transit",
    },
    "receipt.wrong_shipment": {
        "es": "la recepción nombra otro envío que el del lote",
        "en": "the receipt names another shipment than the lot's",
    },
    "receipt.not_receiver": {
        "es": "quien firmó la recepción no es el destinatario del envío",
        "en": "the receipt's signer is not the shipment's receiver",
    },
    "receipt.above_ceiling": {
        "es": "el peso recibido da al lote más oro fino del que sus orígenes permiten",
        "en": "the weight received gives the lot more fine gold than its origins allow",
    },
    "transformation.mixed_classes": {
        "es": "mezclaba oro Fairmined Ecológico, Fairmined y no certificado, que deben ir siempre separados",
        "en": "it mixed Fairmined Ecological, Fairmined and uncertified gold, which must always stay apart",
    },
    "transformation.fine_gold_gain": {
        "es": "declaraba más oro fino a la salida del que entró",
        "en": "it declared more fine gold out than went in",
    },
    "transformation.above_ceiling": {
        "es": "declaraba más oro fino del que los orígenes de los lotes permiten",
        "en": "it declared more fine gold than the lots' origins allow",
    },
    "export.already_declared": {
        "es": "la exportación del lote ya se había declarado",
        "en": "the lot's export had been declared already",
    },
}

FINDING_TEXTS: Final[dict[str, T]] = {
    "receipt.weight_mismatch": {
        "es": "el peso al recibir difiere del peso enviado más de lo tolerado",
        "en": "the weight on receipt differs from the weight shipped by more than the tolerance",
    },
    "transformation.high_loss": {
        "es": "una transformación perdió más oro fino de lo habitual",
        "en": "a transformation lost more fine gold than usual",
    },
    "premium.missing": {
        "es": "una primera venta certificada no declara la prima Fairmined",
        "en": "a certified first sale states no Fairmined premium",
    },
    "premium.below_rate": {
        "es": "una primera venta certificada declara una prima menor que la tarifa Fairmined",
        "en": "a certified first sale states a premium below the Fairmined rate",
    },
    "mine.over_capacity": {
        "es": "una mina produjo en el mes más oro fino que su capacidad declarada",
        "en": "a mine produced more fine gold in a month than its declared capacity",
    },
    "asmo.above_productivity": {
        "es": "una organización produjo en el mes más oro por persona y día de lo creíble",
        "en": "an organization produced more gold per member and day in a month than is credible",
    },
    "shipment.not_received": {
        "es": "un envío no se recibió a tiempo",
        "en": "a shipment was not received in time",
    },
    "pallaqueras.above_monthly_limit": {
        "es": "un grupo de pallaqueras vendió en el mes más oro que el límite legal por integrante",
        "en": "a pallaqueras group sold more gold in a month than the legal limit per member",
    },
    "lot.held_past_certificate": {
        "es": "un lote certificado seguía en poder de su titular después de que el certificado terminara",
        "en": "a certified lot was still held by its holder after the certificate ended",
    },
}

REASON_TEXTS: Final[dict[str, T]] = {**SIGNATURE_TEXTS, **REFUSAL_TEXTS}

GENERAL: Final[T] = {"es": "no cumple una regla ({code})", "en": "it breaks a rule ({code})"}


def reason_text(code: str | None, lang: Language) -> str:
    """Why an event was refused, in plain words (a general sentence naming the code when it is not listed)."""
    found = REASON_TEXTS.get(code or "")
    return GENERAL[lang].format(code=code) if found is None else found[lang]


def finding_text(code: str, lang: Language) -> str:
    """What a finding means, in plain words."""
    found = FINDING_TEXTS.get(code)
    return GENERAL[lang].format(code=code) if found is None else found[lang]


def verdict_text(code: str, lang: Language) -> str:
    """Why a lot is not verified, in plain words."""
    found = VERDICT_TEXTS.get(code)
    return GENERAL[lang].format(code=code) if found is None else found[lang]
