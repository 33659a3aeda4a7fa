"""Whether a parsed OTLP/JSON body would decode into its protobuf message, checked fast.

protobuf's own `json_format.ParseDict` answers the same question but builds the message in
pure Python, about 1 ms per kB of Claude Code's attribute-heavy bodies; JSON is kept as the
client sent it, so only the answer is needed. This walks the dict along the same message
descriptors (the opentelemetry-proto classes) with ParseDict's rules, except one the OTLP
specification sets: keys are lowerCamelCase only (`log_records` is an unknown field, ignored
as the specification requires, and so is it by the ingestion). Nulls are ignored, 64-bit integers as numbers or
decimal strings, floats as numbers or "NaN"/"Infinity"/"-Infinity", enums by number or name,
bytes as base64 (trace and span ids as hex, the OTLP exception), one member per oneof. The
tests hold its answers equal to ParseDict's, but for what ParseDict lets through by accident
where a message belongs (it iterates the value, so a string or an array passes): refused
here, as the ingestion could not read that line.
"""

from __future__ import annotations

import base64
import binascii
import math
import re

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from analytics.errors import JsonShapeError

_INT_RANGES = {
    FieldDescriptor.CPPTYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.CPPTYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.CPPTYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.CPPTYPE_UINT64: (0, 2**64 - 1),
}
_FLOAT_WORDS = ("NaN", "Infinity", "-Infinity")
_UNPAIRED_SURROGATE = re.compile(r"[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]")




def check(node, descriptor: Descriptor, hex_ids: frozenset[str], where: str = "body") -> None:
    """Raise JsonShapeError unless `node` is `descriptor`'s message in the JSON mapping."""
    if not isinstance(node, dict):
        raise JsonShapeError(f"{where} must be an object")
    if descriptor.full_name == _KEY_VALUE and _plain_key_value(node):
        return
    plan = _plan(descriptor, hex_ids)
    oneofs: set[str] = set()
    for key, value in node.items():
        field = plan.get(key)
        if field is None or value is None:
            continue
        kind, repeated, oneof, detail = field
        if oneof is not None:
            if oneof in oneofs:
                raise JsonShapeError(f"{where} sets more than one of {oneof}")
            oneofs.add(oneof)
        if repeated:
            if not isinstance(value, list):
                raise JsonShapeError(f"{where}.{key} must be an array")
            for i, item in enumerate(value):
                _check_value(kind, detail, item, hex_ids, where, key, i)
        else:
            _check_value(kind, detail, value, hex_ids, where, key, None)


_KEY_VALUE = "opentelemetry.proto.common.v1.KeyValue"
_SIMPLE_VALUES = {"stringValue": str, "boolValue": bool}


def _plain_key_value(node: dict) -> bool:
    """The common attribute, {"key": "...", "value": {"stringValue" | "boolValue" |
    "intValue": ...}}, recognised without the general walk (most of a body is these)."""
    if len(node) != 2 or not isinstance(node.get("key"), str) or not node["key"].isascii():
        return False
    value = node.get("value")
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (kind, inner), = value.items()
    if kind == "intValue":
        number = _integer(inner)
        return number is not None and -(2**63) <= number < 2**63
    expected = _SIMPLE_VALUES.get(kind)
    return expected is not None and type(inner) is expected and (expected is bool or inner.isascii())


# What a field is, as plain values (reading upb descriptors for every value is slow):
# (kind, repeated, oneof name, detail): detail is the sub-message descriptor, the integer
# range, the enum's names, or whether bytes are a hex id.
_MESSAGE, _INT, _FLOAT, _BOOL, _ENUM, _BYTES, _STRING = range(7)
_PLANS: dict[str, dict[str, tuple]] = {}


def _plan(descriptor: Descriptor, hex_ids: frozenset[str]) -> dict[str, tuple]:
    plan = _PLANS.get(descriptor.full_name)
    if plan is None:
        plan = {}
        for field in descriptor.fields:
            cpp = field.cpp_type
            if cpp == FieldDescriptor.CPPTYPE_MESSAGE:
                kind, detail = _MESSAGE, field.message_type
            elif cpp in _INT_RANGES:
                kind, detail = _INT, _INT_RANGES[cpp]
            elif cpp in (FieldDescriptor.CPPTYPE_DOUBLE, FieldDescriptor.CPPTYPE_FLOAT):
                kind, detail = _FLOAT, None
            elif cpp == FieldDescriptor.CPPTYPE_BOOL:
                kind, detail = _BOOL, None
            elif cpp == FieldDescriptor.CPPTYPE_ENUM:
                kind, detail = _ENUM, (field.enum_type.name, frozenset(field.enum_type.values_by_name))
            elif field.type == FieldDescriptor.TYPE_BYTES:
                kind, detail = _BYTES, field.json_name in hex_ids
            else:
                kind, detail = _STRING, None
            oneof = field.containing_oneof.name if field.containing_oneof is not None else None
            plan[field.json_name] = (kind, field.is_repeated, oneof, detail)
        _PLANS[descriptor.full_name] = plan
    return plan


def _check_value(kind: int, detail, value, hex_ids, where: str, key: str, index: int | None) -> None:
    if kind == _STRING:
        if isinstance(value, str) and (value.isascii() or not _UNPAIRED_SURROGATE.search(value)):
            return
        problem = "must be a string" if not isinstance(value, str) else "holds an unpaired surrogate"
    elif kind == _MESSAGE:
        check(value, detail, hex_ids, _here(where, key, index))
        return
    elif kind == _INT:
        number = _integer(value)
        if number is not None and detail[0] <= number <= detail[1]:
            return
        problem = f"must be an integer in range, not {str(value)[:40]!r}"
    elif kind == _FLOAT:
        if _number(value):
            return
        problem = f"must be a number, not {str(value)[:40]!r}"
    elif kind == _BOOL:
        if isinstance(value, bool):
            return
        problem = "must be true or false"
    elif kind == _ENUM:  # OTLP's enums are open: any int32 is kept
        if isinstance(value, str) and value in detail[1]:
            return
        try:
            number = int(value)
        except (ValueError, TypeError):
            number = None
        if number is not None and -(2**31) <= number < 2**31:
            return
        problem = f"is not a value of {detail[0]}"
    else:
        if _bytes(value, detail):
            return
        problem = f"is not {'hex' if detail else 'base64'}"
    raise JsonShapeError(f"{_here(where, key, index)} {problem}")


def _here(where: str, key: str, index: int | None) -> str:
    return f"{where}.{key}" if index is None else f"{where}.{key}[{index}]"


def _integer(value) -> int | None:
    """The integer protobuf's parser would read, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and " " not in value:
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _number(value) -> bool:
    if isinstance(value, (int, float)):  # booleans too, as protobuf's parser takes them
        return not (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))
    if isinstance(value, str) and value != "nan":
        try:
            float(value)
            return True
        except ValueError:
            return value in _FLOAT_WORDS
    return False


def _bytes(value, hex_id: bool) -> bool:
    if not isinstance(value, str):
        return False
    try:
        if hex_id:
            bytes.fromhex(value)
        else:
            encoded = value.encode()
            base64.urlsafe_b64decode(encoded + b"=" * (4 - len(encoded) % 4))
    except (ValueError, binascii.Error):
        return False
    return True
