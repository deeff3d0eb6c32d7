#!/usr/bin/env python3
"""Checks live HTTP answers against an OpenAPI 3.1 document (used by Tests/IntakeTests/OpenAPITests.swift).

    openapi_check.py <openapi.yaml> < observations.json

The document itself is validated first (openapi-spec-validator). Each observation
({"method", "path", "status", "content_type", "headers": {lower-case name: value}, "body": text}) must match an
operation of the document (path templates allowed) and a status it lists; its content type must be one the
response lists, its body valid against that response's JSON Schema (2020-12, formats checked) and every
required response header present and valid. Finally every status the document lists for every operation must
have been observed. Each problem is printed on a line of its own; the exit status is 1 when there is any.
"""
import json
import re
import sys

import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_document
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE = "urn:intake:openapi"


def escape(token):
    return str(token).replace("~", "~0").replace("/", "~1")


def lookup(document, pointer):
    node = document
    for token in pointer.lstrip("/").split("/") if pointer else []:
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def resolved(document, node, pointer):
    """Follows local `$ref`s of a response or header object; returns it and its JSON pointer."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        pointer = node["$ref"][1:]
        node = lookup(document, pointer)
    return node, pointer


def template_matches(template, path):
    pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
    return re.match(pattern, path) is not None


def validator(registry, pointer):
    return Draft202012Validator(
        {"$ref": BASE + "#" + pointer}, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def check(document, registry, observation, seen, problems):
    method = observation["method"].lower()
    path = observation["path"].split("?")[0]
    status = str(observation["status"])
    label = f"{observation['method']} {observation['path']} -> {status}"
    templates = [t for t in document.get("paths", {}) if template_matches(t, path)]
    operation = next((t for t in templates if method in document["paths"][t]), None)
    if operation is None:
        problems.append(f"{label}: no operation {method.upper()} {path} in the document")
        return
    responses = document["paths"][operation][method].get("responses", {})
    if status not in responses:
        problems.append(f"{label}: status {status} is not documented for {method.upper()} {operation}")
        return
    seen.add((operation, method, status))
    base_pointer = f"/paths/{escape(operation)}/{method}/responses/{escape(status)}"
    response, pointer = resolved(document, responses[status], base_pointer)
    media = (observation.get("content_type") or "").split(";")[0].strip().lower()
    content = response.get("content", {})
    if media not in content:
        problems.append(f"{label}: content type {media!r} is not one of {sorted(content)}")
    elif "schema" in content[media]:
        try:
            body = json.loads(observation.get("body") or "")
        except ValueError as error:
            problems.append(f"{label}: the body is not JSON ({error}): {observation.get('body')!r}")
        else:
            schema_pointer = f"{pointer}/content/{escape(media)}/schema"
            for error in validator(registry, schema_pointer).iter_errors(body):
                where = "/".join(str(p) for p in error.absolute_path) or "(body)"
                problems.append(f"{label}: {where}: {error.message}")
    headers = {k.lower(): v for k, v in (observation.get("headers") or {}).items()}
    for name, header in response.get("headers", {}).items():
        header, header_pointer = resolved(document, header, f"{pointer}/headers/{escape(name)}")
        value = headers.get(name.lower())
        if value is None:
            if header.get("required"):
                problems.append(f"{label}: required header {name} is missing")
            continue
        schema = header.get("schema", {})
        typed = int(value) if schema.get("type") == "integer" and re.fullmatch(r"-?[0-9]+", value) else value
        for error in validator(registry, f"{header_pointer}/schema").iter_errors(typed):
            problems.append(f"{label}: header {name}: {error.message}")


def main():
    with open(sys.argv[1], encoding="utf-8") as file:
        document = yaml.safe_load(file)
    problems = []
    try:
        validate_document(document)
    except Exception as error:  # the validator's own error types vary by version
        problems.append(f"the document is not valid OpenAPI: {error}")
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource(BASE, resource)
    observations = json.load(sys.stdin)["observations"]
    seen = set()
    for observation in observations:
        check(document, registry, observation, seen, problems)
    for template, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status in operation["responses"]:
                if (template, method, str(status)) not in seen:
                    problems.append(f"{method.upper()} {template} -> {status}: documented but never observed")
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print(f"ok: {len(observations)} answers match, every documented status observed")


if __name__ == "__main__":
    main()
