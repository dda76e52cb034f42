"""The schema's error answers, added to every operation in one place (a drf-spectacular postprocessing
hook) so that each states what it really returns: 400 where it reads parameters or a body, 401, 403 and
404 where it needs a signed-in user (404: an id in the path, the body or the query names nothing the
caller may see), 409 where it changes an object, 413 and 415 where it reads a body, 429 where a rate
limit applies. Every error status, declared here or by the view, answers the one error body
(nexochat/errors.py)."""

import re

ERROR = {"$ref": "#/components/schemas/Error"}
DESCRIPTIONS = {
    "400": "Refused: `code` says why; a field's own errors are listed under its name.",
    "401": "Not signed in, or the token is invalid or expired.",
    "403": "Signed in, but not allowed to do this.",
    "404": "No such object among those you may see (another organization's objects are reported missing).",
    "409": "Refused because of the object's state: `code` says which.",
    "413": "The request body is larger than the limit.",
    "415": "The request body's content type is not one this operation reads.",
    "429": "Too many requests: try again after Retry-After seconds.",
}
# DRF trims text fields (str.strip) before checking they are not blank, so "  " is refused like "": the
# characters str.strip removes, for a pattern that says "at least one other character".
STRIPPED = (
    "\\t\\n\\u000b\\u000c\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)
NOT_BLANK = f"[^{STRIPPED}]"
RATE_LIMITED = re.compile(r"^/api/v1/(auth/token/|chat/|search/|meetings/\{id\}/recording/)")
METHODS = {"get", "put", "post", "patch", "delete"}


def _codes(path, method, operation):
    params = {p.get("in") for p in operation.get("parameters", [])}
    has_body = "requestBody" in operation
    public = {} in operation.get("security", [{}])
    codes = {"401"}
    if has_body or params:
        codes.add("400")
    if not public:
        codes.add("403")
    if not public or "path" in params:
        codes.add("404")  # an id in the path, the body or the query that names nothing the caller may see
    if has_body:
        codes |= {"413", "415"}
    if method != "get" and not public:
        codes.add("409")  # a change the object's state does not allow (a job running, nothing to send yet)
    if RATE_LIMITED.match(path):
        codes.add("429")
    return codes


def _not_blank(schema):
    """A text field DRF refuses when blank says so with a pattern, besides minLength."""
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and schema.get("minLength", 0) >= 1 and not ({"enum", "format"} & set(schema)):
        if "pattern" in schema:
            schema.setdefault("allOf", []).append({"pattern": NOT_BLANK})
        else:
            schema["pattern"] = NOT_BLANK
    for child in (*schema.get("properties", {}).values(), schema.get("items")):
        _not_blank(child)


def _query_parameter(schema):
    """A query parameter left empty (?tag=) counts as not given: DRF reads it so from a query string."""
    if schema.get("type") == "string" and "enum" in schema:
        schema["enum"] = [*schema["enum"], ""]
        schema.pop("minLength", None)
        return schema
    if schema.get("type") == "string" and not ({"format", "pattern"} & set(schema)):
        schema.pop("minLength", None)
        schema["pattern"] = f"^$|{NOT_BLANK}"
        return schema
    return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}


def error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in schemas.items():
        if name.endswith("Request"):
            _not_blank(schema)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "query" or "schema" not in parameter:
                    continue
                if parameter.get("required"):
                    _not_blank(parameter["schema"])
                else:
                    parameter["schema"] = _query_parameter(parameter["schema"])
            responses = operation.setdefault("responses", {})
            for code in _codes(path, method, operation):
                responses.setdefault(code, {"description": DESCRIPTIONS[code]})
            for code, response in responses.items():
                if code.startswith("4"):
                    response["content"] = {"application/json": {"schema": ERROR}}
                    response.setdefault("description", DESCRIPTIONS.get(code, "Refused."))
                    if not response["description"]:
                        response["description"] = DESCRIPTIONS.get(code, "Refused.")
    return result
