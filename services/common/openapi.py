"""Generate contracts/openapi/: the OpenAPI document of each HTTP service (gateway, query, ledger).

Run `python -m services.common.openapi [DIR]` (default `contracts/openapi`) after adding or changing a route;
a unit test regenerates into a temporary folder and fails on drift. The apps are built with fixed settings and
never started (their lifespans open connections; building the app does not). The ledger's tiny HTTP server
(services/ledger/http.py) is not FastAPI: its document comes from a description-only app with the same routes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel

from events.custody.registry import TrustAnchor
from events.treehead import SignedTreeHead
from services.common.settings import PipelineSettings, Topics
from services.stack.settings import StackSettings


class ErrorBody(BaseModel):
    """Every refusal: a stable reason code and a sentence a person can act on."""

    error: str
    detail: str


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for refusals: each status answers an ErrorBody."""
    return {status: {"model": ErrorBody, "description": _ERROR_WORDS.get(status, "Refused")} for status in statuses}


_ERROR_WORDS: Final = {
    400: "The request is not valid",
    404: "Nothing is known under this name",
    409: "The request conflicts with what is stored",
    422: "A path or query parameter is malformed",
    503: "Unavailable now; retry after Retry-After seconds",
}


def documentation_settings() -> PipelineSettings:
    """Fixed settings to build the apps with (nothing is connected; the document must not depend on them)."""
    stack = StackSettings(
        home=Path("/nonexistent/goldtrace"),
        kafka_port=19092,
        kafka_controller_port=19093,
        postgres_port=15432,
        kafka_heap_mb=512,
        gateway_port=18081,
        query_port=18082,
        ledger_port=18083,
        custody_port=18084,
        http_host="127.0.0.1",
        external_kafka=None,
        external_database_url=None,
    )
    return PipelineSettings(
        stack=stack,
        kafka_bootstrap="127.0.0.1:19092",
        database_url="postgresql://goldtrace@127.0.0.1:15432/goldtrace",
        topics=Topics.with_prefix(),
        anchor=TrustAnchor("arm", "arm:1", "A" * 43),
        log_keyid="log:1",
        log_public_key="A" * 43,
    )


def ledger_description() -> FastAPI:
    """A description-only app with the routes services/ledger/http.py serves (never run)."""
    app = FastAPI(
        title="goldtrace ledger",
        version="1",
        summary="The ledger's operations port: health, metrics, and a signed tree head of the log on demand.",
    )
    errors: dict[int | str, dict[str, Any]] = {503: {"model": ErrorBody, "description": "No head could be signed now"}}

    @app.get("/healthz", tags=["operations"], summary="Liveness and readiness (log size, consumer lag)")
    async def healthz() -> JSONResponse:
        raise NotImplementedError  # description only

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_class=PlainTextResponse)
    async def metrics() -> PlainTextResponse:
        raise NotImplementedError  # description only

    @app.post(
        "/v1/tree-heads",
        tags=["log"],
        summary="Sign a tree head covering the whole log now (the latest head if the log has not grown)",
        responses=errors,
    )
    async def sign_head() -> SignedTreeHead:
        raise NotImplementedError  # description only

    return app


def _apps() -> dict[str, Callable[[], FastAPI]]:
    # Imported here: the service packages import this module's neighbours, never the other way round at import.
    from services.gateway.app import create_app as gateway_app
    from services.query.app import create_app as query_app

    settings = documentation_settings()
    return {
        "gateway": lambda: gateway_app(settings),
        "query": lambda: query_app(settings),
        "ledger": ledger_description,
    }


SERVICES: Final = ("gateway", "query", "ledger")


def openapi_files() -> dict[str, str]:
    """Every generated document, by file name, with its text."""
    apps = _apps()
    return {f"{name}.json": _json_text(with_error_bodies(apps[name]().openapi())) for name in SERVICES}


def with_error_bodies(document: dict[str, Any]) -> dict[str, Any]:
    """Say what the services really answer on a malformed parameter: services/common/http.py's ErrorBody.

    FastAPI documents 422 as its own validation error list; install_common answers `{"error", "detail"}`.
    """
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorBody"] = ErrorBody.model_json_schema()
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for path in document.get("paths", {}).values():
        for operation in path.values():
            answer = operation.get("responses", {}).get("422")
            if answer is not None and _is_validation_list(answer):
                answer["content"] = body
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    if not schemas:
        document["components"].pop("schemas")
    if not document["components"]:
        document.pop("components")
    return document


def _is_validation_list(answer: dict[str, Any]) -> bool:
    """Whether a 422 answer is FastAPI's own validation list (a route that declares another body keeps it)."""
    schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
    return not answer.get("content") or schema.get("$ref", "").endswith("/HTTPValidationError")


def write_openapi(folder: Path) -> list[Path]:
    """Write the documents under `folder`, removing stale generated JSON files; return what was written."""
    files = openapi_files()
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    written = []
    for name, text in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _json_text(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the OpenAPI documents to the folder given (default `contracts/openapi`)."""
    parser = argparse.ArgumentParser(prog="python -m services.common.openapi", description=__doc__)
    parser.add_argument("folder", nargs="?", default="contracts/openapi", type=Path, help="the output folder")
    args = parser.parse_args(argv)
    written = write_openapi(args.folder)
    print(f"wrote {len(written)} files under {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
