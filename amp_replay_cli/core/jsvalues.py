"""How JavaScript sees the values the SDK reads: truthiness, Number(), and display."""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

# ECMAScript StrWhiteSpaceChar: WhiteSpace and LineTerminator.
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_RADIX = {"0x": 16, "0o": 8, "0b": 2}
# Integers strictly between -SAFE_INTEGER_BOUND and SAFE_INTEGER_BOUND are JavaScript's safe
# integers: a double holds them exactly and String(n) prints them as Python's str(n).
SAFE_INTEGER_BOUND = 2**53


def js_truthy(value: Any) -> bool:
    """JavaScript's ToBoolean for values that can come from YAML/JSON."""
    if value is None or value is False:
        return False
    if isinstance(value, int):  # bool is handled above; math.isnan overflows on 400 digits
        return value != 0
    if isinstance(value, float):
        return value != 0 and not math.isnan(value)
    if isinstance(value, str):
        return value != ""
    return True


def js_string_to_number(text: str) -> float:
    """JavaScript's Number(text): what `<` and `<=` compare a string as."""
    stripped = text.strip(JS_WHITESPACE)
    if stripped == "":
        return 0.0
    radix = _RADIX.get(stripped[:2].lower())
    if radix is not None:
        try:
            return float(int(stripped[2:], radix)) if stripped[2:].isalnum() else math.nan
        except ValueError:
            return math.nan
    if not _DECIMAL.fullmatch(stripped):
        return math.nan
    return float(stripped.replace("Infinity", "inf"))


# json.dumps(value, ensure_ascii=False), without setting up an encoder at every call: messages
# show a value each, and a big log's findings are worded by the hundred thousand.
_SHOWN = json.JSONEncoder(ensure_ascii=False)


def show(value: Any) -> str:
    """A value as it would be written in JSON, for messages (never used for credentials)."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
    shown = _SHOWN.encode(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def js_to_number(value: Any) -> float:
    """JavaScript's ToNumber for values from JSON or YAML: how `x < value` sees `value`."""
    if value is None or value is False:
        return 0.0
    if value is True:
        return 1.0
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, str):
        return js_string_to_number(value)
    if isinstance(value, list) and not any(isinstance(item, (list, dict)) for item in value):
        # An array converts through its string: [] is "", [0.5] is "0.5", [1, 2] is "1,2".
        parts = ["" if item is None else js_string(item) for item in value]
        return js_string_to_number(",".join(parts))
    return math.nan  # "[object Object]"


def js_string(value: Any) -> str:
    """JavaScript's String(value) for a session id read from JSON:
    strings as-is, numbers as JS prints them."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if -SAFE_INTEGER_BOUND < value < SAFE_INTEGER_BOUND:
            return str(value)
        try:
            value = float(value)  # what JavaScript would hold: the nearest double
        except OverflowError:
            value = math.inf if value > 0 else -math.inf
    return js_number_to_string(float(value))


def json_ready(value: Any) -> Any:
    """A value read from JSON or YAML, ready to be written as JSON again: a double beyond range
    (`1e400`, which JSON.parse reads as Infinity), also inside lists and objects, as JavaScript
    writes it, not as Python's inf."""
    if isinstance(value, float) and not math.isfinite(value):
        return js_number_to_string(value)
    if isinstance(value, list):
        return [json_ready(item) for item in value]
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    return value


def js_number_to_string(number: float) -> str:
    """ECMAScript Number::toString(10):
    shortest round-trip digits, plain below 1e21, else exponent."""
    if math.isnan(number):
        return "NaN"
    if number == 0:
        return "0"  # also for -0
    if number < 0:
        return "-" + js_number_to_string(-number)
    if math.isinf(number):
        return "Infinity"
    digits, point = _shortest_digits(number)
    count = len(digits)
    if count <= point <= 21:
        return digits + "0" * (point - count)
    if 0 < point <= 21:
        return f"{digits[:point]}.{digits[point:]}"
    if -6 < point <= 0:
        return "0." + "0" * -point + digits
    exponent = point - 1
    mantissa = digits if count == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{mantissa}e{'+' if exponent >= 0 else '-'}{abs(exponent)}"


def _shortest_digits(number: float) -> tuple[str, int]:
    """The digits s and the position n of the spec:
    number = 0.s * 10^n, s as short as round-trip allows.

    Python's repr() yields the same shortest round-trip digits as JavaScript;
    only the layout differs.
    """
    decimal = Decimal(repr(number)).as_tuple()
    digits = "".join(map(str, decimal.digits))
    stripped = digits.lstrip("0")
    point = len(digits) + int(decimal.exponent) - (len(digits) - len(stripped))
    return stripped.rstrip("0"), point
