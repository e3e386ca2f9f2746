"""The message catalogue of the public pages (/verify): every text in Spanish and English, plain words.

Keys are dotted by section. Texts are `str.format` templates with named fields and plain text only: markup stays
in the templates, and the templates escape whatever a text holds. The audit pages keep their own catalogue and
merge it with this one (`i18n.merge`); a test checks both languages are present for every key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from services.query.web.i18n import Language

T = Mapping[Language, str]

COMMON: Final[dict[str, T]] = {
    "site.name": {"es": "goldtrace", "en": "goldtrace"},
    "site.tagline": {"es": "Verificación de oro Fairmined", "en": "Fairmined gold verification"},
    "switch.label": {"es": "English", "en": "Español"},
    "switch.title": {"es": "Read this page in English", "en": "Leer esta página en español"},
    "footer.text": {
        "es": "goldtrace: trazabilidad del oro Fairmined de Puno, Perú. Esta página no usa JavaScript ni muestra "
        "datos personales: solo nombres públicos de organizaciones, minas y grupos.",
        "en": "goldtrace: traceability of Fairmined gold from Puno, Peru. This page uses no JavaScript and shows no "
        "personal data: only public names of organizations, mines and groups.",
    },
}

CLASSES: Final[dict[str, T]] = {
    "class.fairmined-ecological": {"es": "Fairmined Ecológico", "en": "Fairmined Ecological"},
    "class.fairmined-ecological.note": {
        "es": "oro certificado, extraído sin mercurio ni cianuro",
        "en": "certified gold, extracted without mercury or cyanide",
    },
    "class.fairmined": {"es": "Fairmined", "en": "Fairmined"},
    "class.fairmined.note": {
        "es": "oro certificado de minería artesanal y de pequeña escala responsable",
        "en": "certified gold from responsible artisanal and small-scale mining",
    },
    "class.uncertified": {"es": "No certificado", "en": "Not certified"},
    "class.uncertified.note": {
        "es": "oro rastreado, pero de una mina sin certificado Fairmined vigente",
        "en": "traced gold, but from a mine without a valid Fairmined certificate",
    },
}

LOT_PAGE: Final[dict[str, T]] = {
    "lot.title": {"es": "Lote {lot}", "en": "Lot {lot}"},
    "lot.intro": {
        "es": "De dónde viene el oro de este lote, paso a paso, con cada firma comprobada.",
        "en": "Where the gold of this lot comes from, step by step, with every signature checked.",
    },
    "verdict.yes": {"es": "Verificado", "en": "Verified"},
    "verdict.yes.why": {
        "es": "Cada paso, desde la mina hasta aquí, lo firmó quien lo hizo, y todas las firmas y reglas se cumplen.",
        "en": "Every step from the mine to here was signed by whoever did it, and every signature and rule holds.",
    },
    "verdict.no": {"es": "No verificado", "en": "Not verified"},
    "verdict.no.why": {
        "es": "No podemos garantizar el origen de este lote:",
        "en": "We cannot vouch for the origin of this lot:",
    },
    "refusal.lot": {
        "es": "Se rechazó {what} del lote {lot} ({actor}, {day}) porque {why}.",
        "en": "{what} of lot {lot} ({actor}, {day}) was refused because {why}.",
    },
    "refusal.other": {
        "es": "Se rechazó {what} ({actor}, {day}) porque {why}.",
        "en": "{what} ({actor}, {day}) was refused because {why}.",
    },
    "refusal.claimed": {"es": "a nombre de {actor}", "en": "in the name of {actor}"},
    "summary.heading": {"es": "El lote", "en": "The lot"},
    "summary.class": {"es": "Clase", "en": "Class"},
    "summary.gold": {"es": "Oro", "en": "Gold"},
    "summary.gold.text": {
        "es": "{mass}, ley {fineness}: {fine} de oro fino",
        "en": "{mass} at fineness {fineness}: {fine} of fine gold",
    },
    "summary.status": {"es": "Ahora", "en": "Now"},
    "status.held": {"es": "En poder de {who}", "en": "Held by {who}"},
    "status.in_transit": {"es": "En camino", "en": "In transit"},
    "status.consumed": {"es": "Transformado en otros lotes", "en": "Made into other lots"},
    "origin.heading": {"es": "De dónde viene el oro", "en": "Where the gold comes from"},
    "origin.mines": {"es": "Minas", "en": "Mines"},
    "origin.organizations": {"es": "Organizaciones mineras", "en": "Mining organizations"},
    "origin.share": {"es": "{share} del oro fino ({fine})", "en": "{share} of the fine gold ({fine})"},
    "women.heading": {"es": "Participación de las mujeres", "en": "Women's participation"},
    "women.share": {
        "es": "Las mujeres produjeron el {share} del oro fino de este lote.",
        "en": "Women produced {share} of the fine gold in this lot.",
    },
    "women.none": {
        "es": "Los registros de este lote no muestran oro producido por mujeres.",
        "en": "The records of this lot show no gold produced by women.",
    },
    "women.groups": {
        "es": "Grupos de mujeres cuyo trabajo está en este lote:",
        "en": "Women's groups whose work is in this lot:",
    },
    "women.group": {"es": "{group}: {kind}, de {organization}", "en": "{group}: {kind}, of {organization}"},
    "kind.bateadoras": {
        "es": "bateadoras (mujeres que lavan grava aurífera en bateas)",
        "en": "bateadoras (women who pan alluvial gravel)",
    },
    "kind.pallaqueras": {
        "es": "pallaqueras (mujeres que escogen roca con oro de los desmontes)",
        "en": "pallaqueras (women who pick gold-bearing rock from mine waste)",
    },
    "premium.heading": {"es": "Prima Fairmined", "en": "Fairmined premium"},
    "premium.paid": {
        "es": "Pagada a los mineros: {paid}, de {due} que corresponden a la tarifa Fairmined.",
        "en": "Paid to the miners: {paid}, of {due} due at the Fairmined rate.",
    },
    "premium.full": {"es": "Pagada completa.", "en": "Paid in full."},
    "premium.short": {"es": "Faltan {gap}.", "en": "{gap} short."},
    "premium.none": {
        "es": "No corresponde prima: el oro no está certificado.",
        "en": "No premium applies: the gold is not certified.",
    },
    "steps.heading": {"es": "Paso a paso", "en": "Step by step"},
    "steps.lot": {"es": "Lote {lot}", "en": "Lot {lot}"},
    "hidden.steps": {
        "es": "Se muestran los últimos pasos; los {n} anteriores están en el paquete de prueba.",
        "en": "The latest steps are shown; the {n} earlier ones are in the proof bundle.",
    },
    "hidden.records": {
        "es": "Se muestran los últimos; {n} más están en el paquete de prueba.",
        "en": "The latest are shown; {n} more are in the proof bundle.",
    },
    "mark.verified": {"es": "firma verificada", "en": "signature verified"},
    "mark.refused": {"es": "rechazado: {why}", "en": "refused: {why}"},
    "mark.duplicate": {"es": "repetido, sin efecto", "en": "repeated, no effect"},
    "registry.heading": {"es": "Registros del padrón comprobados ({n})", "en": "Register records checked ({n})"},
    "registry.intro": {
        "es": "Quiénes participan, sus claves, sus minas y sus certificados, firmados por ARM y la certificadora.",
        "en": "Who takes part, their keys, their mines and their certificates, signed by ARM and the certifier.",
    },
    "findings.heading": {"es": "Observaciones para el auditor", "en": "Notes for the auditor"},
    "findings.intro": {
        "es": "Estos pasos se aceptaron, pero quedaron señalados para revisión:",
        "en": "These steps were accepted, but flagged for review:",
    },
    "findings.where": {"es": "{what}, {day}", "en": "{what}, {day}"},
    "refused.heading": {"es": "Intentos rechazados", "en": "Refused attempts"},
    "refused.intro": {
        "es": "Las reglas rechazaron estos intentos sobre lotes de esta historia; no tuvieron ningún efecto en el oro:",
        "en": "The rules refused these attempts on lots of this history; they had no effect on the gold:",
    },
    "qr.heading": {"es": "Código QR", "en": "QR code"},
    "qr.alt": {"es": "Código QR que abre esta página", "en": "QR code that opens this page"},
    "qr.caption": {
        "es": "Escanéelo para abrir esta página en otro teléfono:",
        "en": "Scan it to open this page on another phone:",
    },
    "check.heading": {"es": "Compruébelo usted mismo", "en": "Check it yourself"},
    "check.intro": {
        "es": "El paquete de prueba reúne cada evento firmado y su lugar en el registro público. Se comprueba sin "
        "confiar en este servidor:",
        "en": "The proof bundle holds every signed event and its place in the public log. It is checked without "
        "trusting this server:",
    },
    "check.bundle": {"es": "Descargar el paquete de prueba (JSON)", "en": "Download the proof bundle (JSON)"},
    "check.command": {"es": "o, con goldtrace instalado:", "en": "or, with goldtrace installed:"},
}

NOT_FOUND: Final[dict[str, T]] = {
    "notfound.title": {"es": "Lote desconocido", "en": "Unknown lot"},
    "notfound.text": {
        "es": "No hay ningún registro del lote «{lot}». Revise el código impreso junto al QR o en la etiqueta; si "
        "lo escribió a mano, compruebe cada letra.",
        "en": "We have no record of lot “{lot}”. Check the code printed next to the QR code or on the label; if "
        "you typed it, check each character.",
    },
    "notfound.malformed": {
        "es": "«{lot}» no es un código de lote: los códigos llevan solo letras, cifras y . _ : - (hasta 128).",
        "en": "“{lot}” is not a lot code: codes hold only letters, digits and . _ : - (up to 128).",
    },
    "notfound.error": {
        "es": "No podemos mostrar aquí la historia del lote «{lot}». Descargue su paquete de prueba "
        "(/v1/lots/{lot}/bundle) y compruébelo con goldtrace.",
        "en": "We cannot show the history of lot “{lot}” here. Download its proof bundle (/v1/lots/{lot}/bundle) "
        "and check it with goldtrace.",
    },
    "notfound.page": {
        "es": "Esta dirección no existe. Las páginas de verificación tienen la forma /verify/<código del lote>.",
        "en": "This address does not exist. Verification pages look like /verify/<lot code>.",
    },
}

EVENTS: Final[dict[str, T]] = {
    # Nouns, with their article, as they start or follow a sentence ("Se rechazó la extracción...").
    "event.lot.extracted": {"es": "la extracción", "en": "The extraction"},
    "event.lot.assayed": {"es": "el ensayo", "en": "The assay"},
    "event.lot.shipped": {"es": "el envío", "en": "The shipment"},
    "event.lot.received": {"es": "la recepción", "en": "The receipt"},
    "event.lot.transformed": {"es": "la transformación", "en": "The transformation"},
    "event.lot.exported": {"es": "la exportación", "en": "The export"},
    "event.participant.registered": {"es": "el registro de un participante", "en": "The registration of a participant"},
    "event.participant.key_added": {"es": "el alta de una clave", "en": "The addition of a key"},
    "event.participant.key_revoked": {"es": "la revocación de una clave", "en": "The revocation of a key"},
    "event.mine.registered": {"es": "el registro de una mina", "en": "The registration of a mine"},
    "event.certificate.issued": {"es": "la emisión de un certificado", "en": "The issue of a certificate"},
    "event.certificate.suspended": {"es": "la suspensión de un certificado", "en": "The suspension of a certificate"},
    "event.certificate.reinstated": {
        "es": "la rehabilitación de un certificado",
        "en": "The reinstatement of a certificate",
    },
    "event.certificate.withdrawn": {"es": "el retiro de un certificado", "en": "The withdrawal of a certificate"},
    # Labels of a step (what kind of step it is).
    "label.lot.extracted": {"es": "Extracción", "en": "Extraction"},
    "label.lot.assayed": {"es": "Ensayo", "en": "Assay"},
    "label.lot.shipped": {"es": "Envío", "en": "Shipment"},
    "label.lot.received": {"es": "Recepción", "en": "Receipt"},
    "label.lot.transformed": {"es": "Transformación", "en": "Transformation"},
    "label.lot.exported": {"es": "Exportación", "en": "Export"},
    "label.participant.registered": {"es": "Registro de participante", "en": "Participant registered"},
    "label.participant.key_added": {"es": "Clave añadida", "en": "Key added"},
    "label.participant.key_revoked": {"es": "Clave revocada", "en": "Key revoked"},
    "label.mine.registered": {"es": "Registro de mina", "en": "Mine registered"},
    "label.certificate.issued": {"es": "Certificado emitido", "en": "Certificate issued"},
    "label.certificate.suspended": {"es": "Certificado suspendido", "en": "Certificate suspended"},
    "label.certificate.reinstated": {"es": "Certificado rehabilitado", "en": "Certificate reinstated"},
    "label.certificate.withdrawn": {"es": "Certificado retirado", "en": "Certificate withdrawn"},
    # What a step did.
    "step.lot.extracted": {
        "es": "Extrajo {mass}, ley {fineness}, en {mine}",
        "en": "Extracted {mass} at fineness {fineness} at {mine}",
    },
    "step.lot.assayed": {
        "es": "Ensayado por {assayer}: ley {fineness}",
        "en": "Assayed by {assayer}: fineness {fineness}",
    },
    "step.lot.shipped": {"es": "Envió {mass} a {to}", "en": "Shipped {mass} to {to}"},
    "step.lot.shipped.premium": {
        "es": "Envió {mass} a {to}, con una prima de {premium}",
        "en": "Shipped {mass} to {to}, with a premium of {premium}",
    },
    "step.lot.received": {"es": "Recibió {mass} (pesado al llegar)", "en": "Received {mass} (weighed on arrival)"},
    "step.lot.transformed": {"es": "{process}: {inputs} → {outputs}", "en": "{process}: {inputs} → {outputs}"},
    "step.lot.exported": {
        "es": "Exportado a {country} (declaración {declaration})",
        "en": "Exported to {country} (declaration {declaration})",
    },
    "step.participant.registered": {"es": "Registró a {name}", "en": "Registered {name}"},
    "step.participant.key_added": {"es": "Añadió una clave de {participant}", "en": "Added a key of {participant}"},
    "step.participant.key_revoked": {"es": "Revocó una clave de {participant}", "en": "Revoked a key of {participant}"},
    "step.mine.registered": {"es": "Registró la mina {mine} ({region})", "en": "Registered the mine {mine} ({region})"},
    "step.certificate.issued": {
        "es": "Emitió el certificado {certificate} ({standard}) a {holder}, vigente del {valid_from} al {valid_until}",
        "en": "Issued certificate {certificate} ({standard}) to {holder}, valid from {valid_from} to {valid_until}",
    },
    "step.certificate.suspended": {
        "es": "Suspendió el certificado {certificate}",
        "en": "Suspended certificate {certificate}",
    },
    "step.certificate.reinstated": {
        "es": "Rehabilitó el certificado {certificate}",
        "en": "Reinstated certificate {certificate}",
    },
    "step.certificate.withdrawn": {
        "es": "Retiró el certificado {certificate}",
        "en": "Withdrew certificate {certificate}",
    },
    "process.melting": {"es": "Fundición", "en": "Melting"},
    "process.refining": {"es": "Refinación", "en": "Refining"},
    "process.split": {"es": "División", "en": "Split"},
    "process.merge": {"es": "Unión", "en": "Merge"},
    "process.manufacturing": {"es": "Fabricación", "en": "Manufacturing"},
    "lots.item": {"es": "{lot} ({mass})", "en": "{lot} ({mass})"},
    "lots.more": {"es": "y {n} lotes más", "en": "and {n} more lots"},
}

MESSAGES: Final[dict[str, T]] = {**COMMON, **CLASSES, **LOT_PAGE, **NOT_FOUND, **EVENTS}
