"""The message catalogue of the audit dashboard (/audit), Spanish and English side by side (merged with the public
pages' catalogue by `audit_pages`; plain text only, markup stays in the templates)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from services.query.web.i18n import Language

T = Mapping[Language, str]

FRAME: Final[dict[str, T]] = {
    "audit.site": {"es": "Panel de auditoría", "en": "Audit dashboard"},
    "audit.nav.findings": {"es": "Hallazgos", "en": "Findings"},
    "audit.nav.organizations": {"es": "Organizaciones", "en": "Organizations"},
    "audit.nav.signed_in": {"es": "Sesión de {who} (auditor)", "en": "Signed in as {who} (auditor)"},
    "audit.nav.logout": {"es": "Cerrar sesión", "en": "Sign out"},
    "audit.private": {
        "es": "Solo para auditores: esta página no se guarda en cachés compartidas.",
        "en": "For auditors only: this page is kept out of shared caches.",
    },
}

LOGIN: Final[dict[str, T]] = {
    "login.title": {"es": "Entrar al panel de auditoría", "en": "Sign in to the audit dashboard"},
    "login.lead": {
        "es": "El panel muestra los hallazgos de la cadena de custodia y un informe por organización. Pegue su token "
        "de auditor.",
        "en": "The dashboard shows the chain of custody's findings and a report per organization. Paste your "
        "auditor token.",
    },
    "login.token": {"es": "Token de auditor", "en": "Auditor token"},
    "login.submit": {"es": "Entrar", "en": "Sign in"},
    "login.how": {
        "es": "El operador emite tokens con «goldtrace token issue --participant arm --role auditor»; «make demo» "
        "deja uno en el archivo que indica al final.",
        "en": "The operator issues tokens with `goldtrace token issue --participant arm --role auditor`; "
        "`make demo` leaves one in the file it names at the end.",
    },
    "login.cookie": {
        "es": "El token queda en una cookie de esta sesión (HttpOnly, SameSite=Strict); «Cerrar sesión» la borra.",
        "en": "The token is kept in a cookie of this session (HttpOnly, SameSite=Strict); “Sign out” removes it.",
    },
    "login.refused.auth.token_missing": {
        "es": "Hace falta un token para ver el panel.",
        "en": "A token is needed to see the dashboard.",
    },
    "login.refused.auth.token_malformed": {
        "es": "Eso no es un token de goldtrace: compruebe que lo copió entero (empieza con gt_).",
        "en": "That is not a goldtrace token: check that it was copied whole (it starts with gt_).",
    },
    "login.refused.auth.token_invalid": {
        "es": "Este token no existe aquí (mal copiado, o emitido por otra instalación).",
        "en": "This token is not known here (mistyped, or issued by another installation).",
    },
    "login.refused.auth.token_revoked": {
        "es": "Este token fue revocado; pida uno nuevo al operador.",
        "en": "This token was revoked; ask the operator for a new one.",
    },
    "login.refused.auth.auditor_only": {
        "es": "Este token es de un participante ({who}): el panel es solo para auditores.",
        "en": "This is a participant's token ({who}): the dashboard is for auditors only.",
    },
    "login.refused.auth.scheme_unsupported": {
        "es": "La cabecera Authorization debe decir «Bearer <token>».",
        "en": "The Authorization header must read `Bearer <token>`.",
    },
    "login.refused.form": {
        "es": "El formulario no llegó bien (demasiado largo, o enviado desde otro sitio); vuelva a intentarlo aquí.",
        "en": "The form did not arrive well (too long, or sent from another site); try again from here.",
    },
}

FINDINGS: Final[dict[str, T]] = {
    "findings.title": {"es": "Hallazgos", "en": "Findings"},
    "findings.lead": {
        "es": "Eventos aceptados que el auditor debe revisar, y lo que el reloj de auditoría marcó con el tiempo; "
        "los más recientes primero.",
        "en": "Accepted events the auditor should look at, and what the audit clock flagged as time passed; newest "
        "first.",
    },
    "findings.none": {"es": "Ningún hallazgo con estos filtros.", "en": "No finding matches these filters."},
    "findings.next": {"es": "Hallazgos anteriores →", "en": "Older findings →"},
    "findings.first": {"es": "← Más recientes", "en": "← Newest"},
    "findings.by_clock": {"es": "marcado por el reloj de auditoría", "en": "flagged by the audit clock"},
    "findings.org": {"es": "Organización", "en": "Organization"},
    "findings.lot": {"es": "Lote", "en": "Lot"},
    "findings.mine": {"es": "Mina", "en": "Mine"},
    "findings.events": {"es": "Eventos", "en": "Events"},
    "findings.record": {"es": "Texto del registro (inglés)", "en": "Recorded sentence"},
    "filter.title": {"es": "Filtrar", "en": "Filter"},
    "filter.organization": {"es": "Organización", "en": "Organization"},
    "filter.kind": {"es": "Tipo", "en": "Kind"},
    "filter.severity": {"es": "Gravedad", "en": "Severity"},
    "filter.any": {"es": "cualquiera", "en": "any"},
    "filter.from": {"es": "Desde", "en": "From"},
    "filter.to": {"es": "Hasta", "en": "To"},
    "filter.lot": {"es": "Lote", "en": "Lot"},
    "filter.mine": {"es": "Mina", "en": "Mine"},
    "filter.submit": {"es": "Filtrar", "en": "Filter"},
    "filter.clear": {"es": "Quitar filtros", "en": "Clear filters"},
    "filter.invalid": {
        "es": "Se ignoró un filtro no válido: {field} ({value}).",
        "en": "An invalid filter was ignored: {field} ({value}).",
    },
    "severity.notice": {"es": "aviso", "en": "notice"},
    "severity.warning": {"es": "advertencia", "en": "warning"},
    "severity.alert": {"es": "alerta", "en": "alert"},
}

FIGURES: Final[dict[str, T]] = {
    "figure.shipped_mg": {"es": "enviado", "en": "shipped"},
    "figure.received_mg": {"es": "recibido", "en": "received"},
    "figure.difference_mg": {"es": "diferencia", "en": "difference"},
    "figure.tolerance_bp": {"es": "tolerancia", "en": "tolerance"},
    "figure.fine_in_mg": {"es": "oro fino que entró", "en": "fine gold in"},
    "figure.fine_out_mg": {"es": "oro fino que salió", "en": "fine gold out"},
    "figure.loss_mg": {"es": "pérdida", "en": "loss"},
    "figure.alert_bp": {"es": "nivel de alerta", "en": "alert level"},
    "figure.due_usd_cents": {"es": "prima debida", "en": "premium due"},
    "figure.paid_usd_cents": {"es": "prima declarada", "en": "premium stated"},
    "figure.month": {"es": "mes", "en": "month"},
    "figure.fine_mg": {"es": "oro fino del mes", "en": "fine gold of the month"},
    "figure.capacity_mg": {"es": "capacidad declarada", "en": "declared capacity"},
    "figure.threshold_mg": {"es": "umbral de productividad", "en": "productivity threshold"},
    "figure.members": {"es": "integrantes", "en": "members"},
    "figure.group": {"es": "grupo", "en": "group"},
    "figure.limit_mg": {"es": "límite legal del mes", "en": "legal limit of the month"},
    "figure.waited_s": {"es": "en tránsito", "en": "in transit"},
    "figure.window_s": {"es": "plazo de recepción", "en": "receipt window"},
    "figure.certificate": {"es": "certificado", "en": "certificate"},
    "figure.valid_until": {"es": "válido hasta", "en": "valid until"},
    "figure.days": {"es": "{n} días", "en": "{n} days"},
}

ORGANIZATIONS: Final[dict[str, T]] = {
    "orgs.title": {"es": "Organizaciones", "en": "Organizations"},
    "orgs.lead": {
        "es": "Cada organización minera registrada, con su informe: producción, prima y participación de las mujeres.",
        "en": "Every registered mining organization, with its report: production, premium and women's share.",
    },
    "orgs.count": {"es": "{n} hallazgos", "en": "{n} findings"},
    "org.lead": {"es": "Informe de la organización {id}", "en": "Report of organization {id}"},
    "org.period": {"es": "Periodo (días en UTC, ambos incluidos)", "en": "Period (UTC days, both included)"},
    "org.period.all": {"es": "desde el inicio hasta hoy", "en": "from the start until today"},
    "org.period.show": {"es": "Mostrar", "en": "Show"},
    "org.summary": {"es": "Resumen", "en": "Summary"},
    "org.produced": {"es": "Oro fino producido", "en": "Fine gold produced"},
    "org.lots": {"es": "Lotes extraídos", "en": "Lots extracted"},
    "org.first_sales": {"es": "Primeras ventas certificadas", "en": "Certified first sales"},
    "org.premium": {"es": "Prima pagada / debida", "en": "Premium paid / due"},
    "org.premium.value": {"es": "{paid} de {due} ({share})", "en": "{paid} of {due} ({share})"},
    "org.women": {"es": "Producción de mujeres", "en": "Women's production"},
    "org.women_premium": {"es": "Prima de mujeres", "en": "Women's premium"},
    "org.women_groups": {"es": "Grupos de mujeres: producción / prima", "en": "Women's groups: production / premium"},
    "org.unknown": {"es": "sin dato", "en": "no data"},
    "org.findings": {"es": "Hallazgos de la organización", "en": "The organization's findings"},
    "org.findings.none": {
        "es": "Ningún hallazgo se atribuye a esta organización.",
        "en": "No finding is attributed to this organization.",
    },
    "org.findings.all": {"es": "Ver todos sus hallazgos →", "en": "See all its findings →"},
    "org.csv": {"es": "Descargar tablas (CSV)", "en": "Download tables (CSV)"},
    "org.not_found": {
        "es": "Nunca se registró una organización con el id {id}.",
        "en": "No organization with the id {id} was ever registered.",
    },
}

CHARTS: Final[dict[str, T]] = {
    "chart.production": {"es": "Producción frente a capacidad", "en": "Production against capacity"},
    "chart.production.lead": {
        "es": "Oro fino por mina y mes; la línea marca la capacidad mensual declarada de la mina.",
        "en": "Fine gold per mine and month; the line marks the mine's declared monthly capacity.",
    },
    "chart.production.row": {"es": "{fine} de {capacity}", "en": "{fine} of {capacity}"},
    "chart.premium": {"es": "Prima pagada frente a debida", "en": "Premium paid against due"},
    "chart.premium.lead": {
        "es": "Cada primera venta certificada: la barra es la prima declarada, la línea la debida a la tarifa "
        "Fairmined.",
        "en": "Each certified first sale: the bar is the premium stated, the line what is due at the Fairmined rate.",
    },
    "chart.premium.row": {"es": "{paid} de {due}", "en": "{paid} of {due}"},
    "chart.gender": {"es": "Participación por género", "en": "Shares by gender"},
    "chart.gender.lead": {
        "es": "Quién produjo el oro y quién recibió la prima: mujeres, hombres y sin registrar (según los grupos "
        "registrados y los aportes declarados).",
        "en": "Who produced the gold and who received the premium: women, men and unrecorded (from the registered "
        "groups and the declared contributions).",
    },
    "chart.gender.production": {"es": "Producción", "en": "Production"},
    "chart.gender.premium": {"es": "Prima", "en": "Premium"},
    "chart.groups": {"es": "Grupos: parte del oro fino", "en": "Groups: share of the fine gold"},
    "chart.groups.row": {
        "es": "{group} ({kind}, {women} mujeres, {men} hombres)",
        "en": "{group} ({kind}, {women} women, {men} men)",
    },
    "chart.groups.shares": {
        "es": "{production} de la producción, {premium} de la prima",
        "en": "{production} of the production, {premium} of the premium",
    },
    "chart.over": {"es": "por encima", "en": "above"},
    "chart.empty": {"es": "Nada que mostrar en este periodo.", "en": "Nothing to show in this period."},
    "chart.left_out": {
        "es": "Se muestran las {n} filas más recientes; la tabla CSV tiene todas.",
        "en": "The latest {n} rows are shown; the CSV table has them all.",
    },
    "who.women": {"es": "Mujeres", "en": "Women"},
    "who.men": {"es": "Hombres", "en": "Men"},
    "who.unrecorded": {"es": "Sin registrar", "en": "Unrecorded"},
}

AUDIT_MESSAGES: Final[dict[str, T]] = {**FRAME, **LOGIN, **FINDINGS, **FIGURES, **ORGANIZATIONS, **CHARTS}
