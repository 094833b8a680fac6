"""What both APIs' OpenAPI 3.1 documents share: JSON Schemas generated from pydantic
models (the request models the routes validate with, the response models the fuzz holds
the answers to), operations with their responses, and the docs page: Swagger UI from the
pinned swagger-ui-py package, served from where pip installed it (docs/decisions.md)."""

import importlib.util
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ticketd.kit import idempotency
from ticketd.kit.http import json_response

OPENAPI_VERSION = "3.1.0"
REF = "#/components/schemas/"
Mode = Literal["validation", "serialization"]
JSON = "application/json"
RETRY_AFTER: dict[str, Any] = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}
}
IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": idempotency.HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY_LENGTH},
    "description": "Makes a retried create answer the first attempt's answer, a day long",
}


class Schemas:
    """components/schemas for the request models (as validated) and the response models
    (as served), and a `$ref` to each."""

    def __init__(self, requests: Iterable[type[BaseModel]], responses: Iterable[type[BaseModel]]):
        models: list[tuple[type[BaseModel], Mode]] = [(m, "validation") for m in requests]
        models += [(m, "serialization") for m in responses]
        self._refs, top = models_json_schema(models, ref_template=REF + "{model}")
        self.components: dict[str, Any] = top.get("$defs", {})

    def ref(self, model: type[BaseModel]) -> dict[str, Any]:
        for (known, _), ref in self._refs.items():
            if known is model:
                return dict(ref)
        raise KeyError(model.__name__)


@dataclass(frozen=True)
class Operation:
    """One method of one path. `responses` maps each status to (description, schema)."""

    operation_id: str
    endpoint: Callable[..., Any]
    responses: Mapping[int, tuple[str, dict[str, Any]]]
    summary: str
    body: dict[str, Any] | None = None
    body_required: bool = True
    body_media_types: Sequence[str] = (JSON,)
    parameters: Sequence[dict[str, Any]] = ()
    links: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    examples: Mapping[str, Any] = field(default_factory=dict)  # request body examples
    response_examples: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    security: bool = True
    headers: Mapping[int, dict[str, Any]] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "operationId": self.operation_id,
            "summary": self.summary,
            "description": (self.endpoint.__doc__ or self.summary).strip(),
            "responses": self._responses(),
        }
        if self.parameters:
            doc["parameters"] = list(self.parameters)
        if self.body is not None:
            content: dict[str, Any] = {"schema": self.body}
            if self.examples:
                content["examples"] = {k: {"value": v} for k, v in self.examples.items()}
            doc["requestBody"] = {
                "required": self.body_required,
                "content": {media_type: content for media_type in self.body_media_types},
            }
        if not self.security:
            doc["security"] = []
        return doc

    def _responses(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for status, (description, schema) in sorted(self.responses.items()):
            content: dict[str, Any] = {"schema": schema}
            if status in self.response_examples:
                examples = self.response_examples[status].items()
                content["examples"] = {k: {"value": v} for k, v in examples}
            answer: dict[str, Any] = {"description": description, "content": {JSON: content}}
            if status in self.headers:
                answer["headers"] = self.headers[status]
            if status == 200 and self.links:
                answer["links"] = dict(self.links)
            out[str(status)] = answer
        return out


def paths(operations: Mapping[tuple[str, str], Operation]) -> dict[str, Any]:
    """The `paths` object: {(path, method): operation} grouped by path."""
    out: dict[str, dict[str, Any]] = {}
    for (path, method), operation in operations.items():
        out.setdefault(path, {})[method] = operation.document()
    return out


def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    """An optional query parameter; both APIs read `name=` (empty) as absent."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "schema": schema,
        "description": description,
    }


def path_param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema,
        "description": description,
    }


def link(operation_id: str, **spec: Any) -> dict[str, Any]:
    """An OpenAPI link to `operation_id`: `parameters` maps names to runtime
    expressions (`$response.body#/data/TicketId`), `requestBody` a body to send."""
    return {"operationId": operation_id, **spec}


# --- the docs page -------------------------------------------------------------------

SWAGGER_UI_PACKAGE = "swagger_ui"  # swagger-ui-py: ships Swagger UI 5 (reads OpenAPI 3.1)

# Relative URLs: the same page works under any prefix the API is mounted at.
DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({{url: "openapi.json", dom_id: "#swagger-ui"}});</script>
</body>
</html>
"""


def swagger_ui_assets() -> Path:
    """Swagger UI's files where pip installed swagger-ui-py (found, not imported: the
    package's own module pulls in Jinja and YAML for frameworks we do not use)."""
    spec = importlib.util.find_spec(SWAGGER_UI_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed (pyproject.toml pins it)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def contract_routes(title: str, document: Callable[[Request], dict[str, Any]]) -> list[BaseRoute]:
    """`/openapi.json`, `/docs` and the docs page's assets, for an API's router."""

    async def openapi_json(request: Request) -> Response:
        """The API's OpenAPI 3.1 document."""
        return json_response(document(request))

    async def docs(request: Request) -> Response:
        """The API's docs page (Swagger UI reading /openapi.json)."""
        return HTMLResponse(DOCS_PAGE.format(title=title))

    return [
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
        Mount("/docs/assets", app=StaticFiles(directory=swagger_ui_assets())),
    ]
