"""Input text as output can carry it: characters that would act instead of showing, escaped.

Ids, keys, values, paths and file names come from input, and input may hold anything: a lone
surrogate (which UTF-8 cannot encode, so writing it would fail), a control character (a
newline splits one finding into two lines, an ANSI escape drives the reader's terminal), or a
bidi override (which shows text in an order other than the bytes'). Every renderer passes input
text through one of these functions; each escape is visible and says which character it was.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, lone surrogates (any surrogate code point in a str is lone), the line
# and paragraph separators, and the bidi marks, embeddings, overrides and isolates.
_ACTIVE = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNPRINTABLE = re.compile(f"[\x00-\x1f{_ACTIVE}]")
# In JSON the encoder escapes C0 controls itself; the rest may appear raw inside its strings.
_JSON_RAW = re.compile(f"[{_ACTIVE}]")
# XML 1.0 allows tab, newline and carriage return; it forbids the other C0 controls even as
# character references, and the surrogates; U+FFFE and U+FFFF are not characters.
_XML_UNSAFE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_ACTIVE}\ufffe\uffff]")


def printable(text: str) -> str:
    """`text` on one line, every active character as a visible `\\xNN` or `\\uNNNN`."""
    return _UNPRINTABLE.sub(_visible, text)


def json_text(encoded: str) -> str:
    """JSON text with its raw active characters as `\\uNNNN` escapes: the same value once
    parsed, and always encodable as UTF-8. Such characters can only be inside strings."""
    if encoded.isascii():  # constant time; most reports are ASCII, where only DEL is active
        return encoded.replace("\x7f", "\\u007f") if "\x7f" in encoded else encoded
    return _JSON_RAW.sub(_json_escape, encoded)


def xml_text(document: str) -> str:
    """An XML document with the characters XML 1.0 forbids (and the other active ones) shown
    as visible escapes, so the document stays well-formed."""
    return _XML_UNSAFE.sub(_visible, document)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"
