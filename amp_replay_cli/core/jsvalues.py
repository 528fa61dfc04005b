"""How JavaScript sees the values the SDK reads: truthiness, Number(), and display."""

from __future__ import annotations

import json
import math
import re
from typing import Any

# ECMAScript StrWhiteSpaceChar: WhiteSpace and LineTerminator.
_JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_RADIX = {"0x": 16, "0o": 8, "0b": 2}


def js_truthy(value: Any) -> bool:
    """JavaScript's ToBoolean for values that can come from YAML/JSON."""
    if value is None or value is False:
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value != 0 and not math.isnan(value)
    if isinstance(value, str):
        return value != ""
    return True


def js_string_to_number(text: str) -> float:
    """JavaScript's Number(text): what `<` and `<=` compare a string as."""
    stripped = text.strip(_JS_WHITESPACE)
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


def show(value: Any) -> str:
    """A value as it would be written in JSON, for messages (never used for credentials)."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
    shown = json.dumps(value, ensure_ascii=False)
    return shown if len(shown) <= 60 else shown[:57] + "..."
