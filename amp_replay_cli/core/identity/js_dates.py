"""How Segment's destination turns a date-like session id into milliseconds: dayjs 1.x
(`dayjs.utc(x)`) over JavaScript's `Date`, as Node (V8) parses strings.

dayjs reads a string that matches its REGEX_PARSE itself (through `Date.UTC`); anything else
(and any string ending in "Z") goes to `new Date(text)`, which V8 reads as an ES date-time
string or, failing that, with its lenient legacy parser. Both are ported here because they
decide which session ids Segment refuses and what odd number it sends for the others
("session-123" is the year 123). Segment's servers run in UTC, so local time is UTC here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from amp_replay_cli.core.jsvalues import JS_WHITESPACE

MAX_TIME_MS = 8.64e15  # ECMAScript TimeClip: beyond this a Date is invalid
_DAY_MS = 86_400_000
_WHITESPACE = re.escape(JS_WHITESPACE)
# dayjs 1.x C.REGEX_PARSE; JavaScript's \d and \s, and $ only at the very end.
_DAYJS_PARSE = re.compile(
    rf"([0-9]{{4}})[-/]?([0-9]{{1,2}})?[-/]?([0-9]{{0,2}})[Tt{_WHITESPACE}]*([0-9]{{1,2}})?:?"
    r"([0-9]{1,2})?:?([0-9]{1,2})?[.:]?([0-9]+)?"
)


def dayjs_utc_ms(text: str) -> int | None:
    """`dayjs.utc(text).valueOf()`, or None for an Invalid Date."""
    if not text.lower().endswith("z"):
        match = _DAYJS_PARSE.fullmatch(text)
        if match is not None:
            year, month, day, hour, minute, second, fraction = match.groups()
            time_ms = (
                int(hour or 0) * 3_600_000
                + int(minute or 0) * 60_000
                + int(second or 0) * 1000
                + int((fraction or "0")[:3])
            )
            month_index = int(month) - 1 if month else 0  # `d[2] - 1 || 0`
            return date_utc(int(year), month_index, int(day) if day else 1, time_ms)
    return v8_date_parse(text)


def date_utc(year: int, month: int, day: int, time_ms: int) -> int | None:
    """`Date.UTC(...)`: a two-digit year is 19xx; months and days overflow into the next."""
    if 0 <= year <= 99:
        year += 1900
    return _make_date(year, month, day, time_ms)


def _make_date(year: int, month: int, day: int, time_ms: int) -> int | None:
    """MakeDate(MakeDay(year, month, day), time) then TimeClip; None when invalid."""
    if not (-1_000_000 <= year <= 1_000_000 and -10_000_000 <= month <= 10_000_000):
        return None
    year += month // 12
    days = _days_from_civil(year, month % 12 + 1) + day - 1
    total = days * _DAY_MS + time_ms
    return total if abs(total) <= MAX_TIME_MS else None


def _days_from_civil(year: int, month: int) -> int:
    """Days from 1970-01-01 to the first of `month` (1-12) of `year`, proleptic Gregorian."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def date_from_number(value: float) -> int | None:
    """`new Date(value).valueOf()`: TimeClip truncates toward zero; None when invalid."""
    if not math.isfinite(value) or abs(value) > MAX_TIME_MS:
        return None
    return int(value)


# -- V8's Date parser (src/date/dateparser-inl.h) ---------------------------------------------
_NONE = 2**31 - 1  # V8's kNone
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ZONES = {"ut": 0, "utc": 0, "z": 0, "gmt": 0, "cdt": -5, "cst": -6, "edt": -4, "est": -5}
_ZONES.update({"mdt": -6, "mst": -7, "pdt": -7, "pst": -8})


@dataclass(frozen=True)
class _Token:
    kind: str  # number | symbol | word | space | unknown | end
    text: str = ""
    number: int = 0  # a number's value (capped as V8 caps it), a keyword's value
    keyword: str = ""  # month | ampm | zone | t | "" (an unknown word)


def _keyword(word: str) -> tuple[str, int]:
    """V8's KeywordTable: three-letter prefixes; only month names may be longer."""
    prefix = word[:3].lower()
    if prefix in _MONTHS:
        return "month", _MONTHS.index(prefix) + 1
    if len(word) > 3:
        return "", 0
    if prefix in ("am", "pm"):
        return "ampm", 0 if prefix == "am" else 12
    if prefix in _ZONES:
        return "zone", _ZONES[prefix]
    return ("t", 0) if prefix == "t" else ("", 0)


def _tokens(text: str) -> Iterator[_Token]:
    position, end = 0, len(text)
    while position < end:
        char = text[position]
        if "0" <= char <= "9":
            start = position
            value = 0
            while position < end and "0" <= text[position] <= "9":
                if value < (2**31 - 1) // 10 - 10:  # ReadUnsignedNumeral's cap
                    value = value * 10 + int(text[position])
                position += 1
            yield _Token("number", text[start:position], value)
        elif char in ":-+.)":
            position += 1
            yield _Token("symbol", char)
        elif char >= "A" and char not in JS_WHITESPACE:
            start = position
            while position < end and text[position] >= "A" and text[position] not in JS_WHITESPACE:
                position += 1
            word = text[start:position]
            keyword, value = _keyword(word)
            yield _Token("word", word, value, keyword)
        elif char in JS_WHITESPACE:
            position += 1
            yield _Token("space", char)
        elif char == "(":
            depth = 0
            while True:  # SkipParentheses: to the matching ")" or the end
                depth += {"(": 1, ")": -1}.get(text[position], 0)
                position += 1
                if depth <= 0 or position >= end:
                    break
            yield _Token("unknown")
        else:
            position += 1
            yield _Token("unknown")
    while True:
        yield _Token("end")


class _Scanner:
    """One token of look-ahead, as V8's DateStringTokenizer."""

    def __init__(self, text: str):
        self._tokens = _tokens(text)
        self.peek = next(self._tokens)

    def next(self) -> _Token:
        token, self.peek = self.peek, next(self._tokens)
        return token

    def skip(self, symbol: str) -> bool:
        if self.peek.kind == "symbol" and self.peek.text == symbol:
            self.next()
            return True
        return False

    def peek_number(self, length: int) -> bool:
        return self.peek.kind == "number" and len(self.peek.text) == length


@dataclass
class _Day:
    parts: list[int] = field(default_factory=list)
    named_month: int = _NONE
    iso: bool = False

    def add(self, number: int) -> bool:
        if len(self.parts) >= 3:
            return False
        self.parts.append(number)
        return True

    def write(self) -> tuple[int, int, int] | None:
        if not self.parts:
            return None
        # Missing parts are 1, and V8 fills them in before it looks at how many there were.
        parts = self.parts + [1] * (3 - len(self.parts))
        if self.named_month == _NONE:
            if self.iso or not 1 <= parts[0] <= 31:
                year, month, day = parts
            else:
                month, day, year = parts
        else:
            month = self.named_month
            if not 1 <= parts[0] <= 31:
                year, day = parts[0], parts[1]
            else:
                day, year = parts[0], parts[1]
        if not self.iso:
            if 0 <= year <= 49:
                year += 2000
            elif 50 <= year <= 99:
                year += 1900
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        return year, month - 1, day


@dataclass
class _Time:
    parts: list[int] = field(default_factory=list)
    hour_offset: int = _NONE

    def empty(self) -> bool:
        return not self.parts

    def expecting(self, number: int) -> bool:
        index = len(self.parts)
        return (index in (1, 2) and 0 <= number <= 59) or (index == 3 and 0 <= number <= 999)

    def add(self, number: int) -> bool:
        if len(self.parts) >= 4:
            return False
        self.parts.append(number)
        return True

    def add_final(self, number: int) -> bool:
        if not self.add(number):
            return False
        self.parts += [0] * (4 - len(self.parts))
        return True

    def write(self) -> int | None:
        hour, minute, second, ms = self.parts + [0] * (4 - len(self.parts))
        if self.hour_offset != _NONE:
            if not 0 <= hour <= 12:
                return None
            hour = hour % 12 + self.hour_offset
        valid = 0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59 and 0 <= ms <= 999
        if not valid and (hour, minute, second, ms) != (24, 0, 0, 0):
            return None
        return hour * 3_600_000 + minute * 60_000 + second * 1000 + ms


@dataclass
class _Zone:
    sign: int = _NONE
    hour: int = _NONE
    minute: int = _NONE

    def set(self, offset_hours: int) -> None:
        self.sign = -1 if offset_hours < 0 else 1
        self.hour, self.minute = abs(offset_hours), 0

    def expecting(self, number: int) -> bool:
        return self.hour != _NONE and self.minute == _NONE and 0 <= number <= 59

    def is_utc(self) -> bool:
        return self.hour == 0 and self.minute == 0

    def empty(self) -> bool:
        return self.sign == _NONE

    def offset_ms(self) -> int:
        """The offset to subtract (0 for local time, which is UTC on Segment's servers)."""
        if self.sign == _NONE:
            return 0
        hour = 0 if self.hour == _NONE else self.hour
        minute = 0 if self.minute == _NONE else self.minute
        return self.sign * (hour * 3600 + minute * 60) * 1000


def _milliseconds(token: _Token) -> int:
    """ReadMilliseconds: the three most significant digits."""
    length, number = len(token.text), token.number
    if length < 3:
        return number * (100 if length == 1 else 10)
    return number // 10 ** (min(length, 9) - 3)


class _Invalid(Exception):
    """The string is not a date to V8."""


def v8_date_parse(text: str) -> int | None:
    """`new Date(text).valueOf()` in Node, local time being UTC; None for an Invalid Date."""
    scanner = _Scanner(text)
    day, time, zone = _Day(), _Time(), _Zone()
    try:
        token = _es5(scanner, day, time, zone)
        _legacy(token, scanner, day, time, zone)
    except _Invalid:
        return None
    written_day = day.write()
    time_ms = time.write()
    if written_day is None or time_ms is None:
        return None
    year, month, day_of_month = written_day
    moment = _make_date(year, month, day_of_month, time_ms)
    return None if moment is None else date_from_number(moment - zone.offset_ms())


def _es5(scanner: _Scanner, day: _Day, time: _Time, zone: _Zone) -> _Token:
    """ParseES5DateTime: the first token it leaves to the legacy parser."""
    if scanner.peek.kind == "symbol" and scanner.peek.text in "+-":
        sign = scanner.next()
        if not scanner.peek_number(6):
            return sign
        year = scanner.next().number
        if sign.text == "-" and year == 0:
            return sign
        day.add(-year if sign.text == "-" else year)
    elif scanner.peek_number(4):
        day.add(scanner.next().number)
    else:
        return scanner.next()
    if scanner.skip("-"):
        if not (scanner.peek_number(2) and 1 <= scanner.peek.number <= 12):
            return scanner.next()
        day.add(scanner.next().number)
        if scanner.skip("-"):
            if not (scanner.peek_number(2) and 1 <= scanner.peek.number <= 31):
                return scanner.next()
            day.add(scanner.next().number)
    if scanner.peek.keyword != "t":
        if scanner.peek.kind != "end":
            return scanner.next()
    else:
        _es5_time(scanner, time, zone)
    if zone.empty() and time.empty():
        zone.set(0)  # a date-only form is UTC
    day.iso = True
    return scanner.next()


def _es5_time(scanner: _Scanner, time: _Time, zone: _Zone) -> None:
    """'T'HH':'mm[':'ss['.'sss]] then Z or an offset, and nothing after."""
    scanner.next()
    if not (scanner.peek_number(2) and scanner.peek.number <= 24):
        raise _Invalid
    is_24 = scanner.peek.number == 24  # only 24:00[:00[.000]]
    time.add(scanner.next().number)
    if not scanner.skip(":"):
        raise _Invalid
    _es5_sixty(scanner, time, is_24)
    if scanner.skip(":"):
        _es5_sixty(scanner, time, is_24)
        if scanner.skip("."):
            if scanner.peek.kind != "number" or (is_24 and scanner.peek.number > 0):
                raise _Invalid
            time.add(_milliseconds(scanner.next()))
    if scanner.peek.keyword == "zone" and scanner.peek.text.lower() == "z":
        scanner.next()
        zone.set(0)
    elif scanner.peek.kind == "symbol" and scanner.peek.text in "+-":
        zone.sign = 1 if scanner.next().text == "+" else -1
        if scanner.peek_number(4):
            hour, minute = divmod(scanner.next().number, 100)
            if not (0 <= hour <= 23 and minute <= 59):
                raise _Invalid
            zone.hour, zone.minute = hour, minute
        else:
            if not (scanner.peek_number(2) and scanner.peek.number <= 23):
                raise _Invalid
            zone.hour = scanner.next().number
            if not scanner.skip(":") or not (scanner.peek_number(2) and scanner.peek.number <= 59):
                raise _Invalid
            zone.minute = scanner.next().number
    if scanner.peek.kind != "end":
        raise _Invalid


def _es5_sixty(scanner: _Scanner, time: _Time, is_24: bool) -> None:
    """Minutes or seconds: two digits below 60 (0 after hour 24)."""
    if not (scanner.peek_number(2) and scanner.peek.number <= 59) or (
        is_24 and scanner.peek.number > 0
    ):
        raise _Invalid
    time.add(scanner.next().number)


def _legacy(token: _Token, scanner: _Scanner, day: _Day, time: _Time, zone: _Zone) -> None:
    """The legacy loop: numbers, month names, AM/PM, zone names and offsets; unknown words
    only before the first number."""
    has_number = bool(day.parts)
    while token.kind != "end":
        if token.kind == "number":
            has_number = True
            _legacy_number(token, scanner, day, time, zone)
        elif token.kind == "word":
            if token.keyword == "ampm" and not time.empty():
                time.hour_offset = token.number
            elif token.keyword == "month":
                day.named_month = token.number
                scanner.skip("-")
            elif token.keyword == "zone" and has_number:
                zone.set(token.number)
            elif has_number or scanner.peek.kind == "number":
                raise _Invalid  # garbage after a number, or glued to one
        elif token.kind == "symbol" and token.text in "+-" and (zone.is_utc() or not time.empty()):
            zone.sign = 1 if token.text == "+" else -1
            length, number = 0, 0
            if scanner.peek.kind == "number":
                offset = scanner.next()
                length, number = len(offset.text), offset.number
            has_number = True
            if scanner.peek.kind == "symbol" and scanner.peek.text == ":":
                zone.hour, zone.minute = number, _NONE
            elif length in (1, 2):
                zone.hour, zone.minute = number, 0
            elif length in (3, 4):
                zone.hour, zone.minute = divmod(number, 100)
            else:
                raise _Invalid
        elif token.kind == "symbol" and token.text in "+-)" and has_number:
            raise _Invalid
        token = scanner.next()


def _legacy_number(token: _Token, scanner: _Scanner, day: _Day, time: _Time, zone: _Zone) -> None:
    number = token.number
    if scanner.skip(":"):
        if scanner.skip(":"):
            if not time.empty():
                raise _Invalid
            time.add(number)
            time.add(0)
        else:
            if not time.add(number):
                raise _Invalid
            if scanner.peek.kind == "symbol" and scanner.peek.text == ".":
                scanner.next()
    elif scanner.skip(".") and time.expecting(number):
        time.add(number)
        if scanner.peek.kind != "number":
            raise _Invalid
        time.add_final(_milliseconds(scanner.next()))
    elif zone.expecting(number):
        zone.minute = number
    elif time.expecting(number):
        time.add_final(number)
        after = scanner.peek
        if not (
            after.kind in ("end", "space")
            or (after.keyword == "zone" and after.text.lower() == "z")
            or (after.kind == "symbol" and after.text in "+-")
        ):
            raise _Invalid
    else:
        if not day.add(number):
            raise _Invalid
        scanner.skip("-")
