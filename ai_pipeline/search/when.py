"""Dates and periods named in a question ("2018년 11월 12일 회의에서", "지난주 예산 회의", "the budget
meeting last week"), read against today in the server's time zone (Asia/Seoul by default).

parse_when() finds the first such expression and says whether it names when a meeting was held: a
relative one ("지난주", "yesterday") always does, an absolute day does when a meeting word follows or
precedes it ("… 회의", "감사", "meeting on …"). "2018년에 새로 여는 유치원" names a year that was talked
about, not a meeting, so a bare year or month is only taken when a meeting word is next to it.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

KO_WEEKDAYS = "월화수목금토일"
EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EN_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "(" + "|".join(sorted(EN_MONTHS, key=len, reverse=True)) + r")\.?"

# A meeting word right after the expression (up to two words between: "11월 13일 교육위원회 감사"),
# or right before it in English ("the meeting on November 13").
_KO_MEETING_AFTER = re.compile(
    r"^\s*(?:에|의|에서|에 열린|에 있었던|에 한)?\s*(?:\S+\s+){0,2}?"
    r"\S*(?:회의|미팅|감사|간담회|회의록|세션|모임|정례회|위원회)"
)
_EN_MEETING_AFTER = re.compile(
    r"^\s*(?:'s)?\s*(?:[a-z0-9-]+\s+){0,2}?(?:meeting|call|session|sync|standup|stand-up|review|hearing)s?\b", re.I
)
_EN_MEETING_BEFORE = re.compile(
    r"\b(?:meeting|call|session|sync|standup|stand-up|review|hearing)s?\s+(?:held\s+)?(?:on|of|from|in)\s+(?:the\s+)?$",
    re.I,
)


@dataclass(frozen=True)
class When:
    start: date
    end: date  # inclusive
    text: str  # the expression as written in the question
    span: tuple  # (start, end) in the question
    meeting: bool  # it says when a meeting was held (not a date talked about in one)

    @property
    def label(self):
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    def contains(self, day):
        return self.start <= day <= self.end


def _day(year, month, day):
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _month_range(year, month):
    try:
        first = date(int(year), int(month), 1)
    except ValueError:
        return None
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _year_range(year):
    year = int(year)
    if not 1900 <= year <= 2200:
        return None
    return date(year, 1, 1), date(year, 12, 31)


def _week(day):
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _without_year(month, day, today):
    """A month and day without a year: the most recent one that is not in the future."""
    found = _day(today.year, month, day)
    if found is not None and found > today:
        found = _day(today.year - 1, month, day)
    return found


def _month_without_year(month, today):
    month = int(month)
    if not 1 <= month <= 12:
        return None
    return _month_range(today.year - (month > today.month), month)


def _last_weekday(index, today, strictly_before=True):
    back = (today.weekday() - index) % 7
    if back == 0 and strictly_before:
        back = 7
    return today - timedelta(days=back)


def _single(day):
    return (day, day) if day is not None else None


def _candidates(text, today):
    """(start, end, (first, last), relative, needs_meeting_word) for every expression found."""
    lowered = text.lower()
    out = []

    def add(match, found, relative=False, needs_meeting=False):
        if found is not None:
            out.append((match.start(), match.end(), found, relative, needs_meeting))

    # --- absolute: Korean and numeric
    for m in re.finditer(r"(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일", text):
        add(m, _single(_day(*m.groups())))
    for m in re.finditer(r"(?<![\d.])(\d{4})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})(?![\d])\.?", text):
        add(m, _single(_day(*m.groups())))
    for m in re.finditer(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])", text):  # US month/day/year
        add(m, _single(_day(m.group(3), m.group(1), m.group(2))))
    for m in re.finditer(r"(?<![\d년])\s?(\d{1,2})\s*월\s*(\d{1,2})\s*일", text):
        add(m, _single(_without_year(m.group(1), m.group(2), today)))
    for m in re.finditer(r"(\d{4})\s*년\s*(\d{1,2})\s*월(?!\s*\d{1,2}\s*일)", text):
        add(m, _month_range(*m.groups()), needs_meeting=True)
    for m in re.finditer(r"(?<![\d년\s])\s?(\d{1,2})\s*월(?!\s*\d{1,2}\s*일)", text):
        add(m, _month_without_year(m.group(1), today), needs_meeting=True)
    for m in re.finditer(r"(\d{4})\s*년(?!\s*\d{1,2}\s*월)", text):
        add(m, _year_range(m.group(1)), needs_meeting=True)
    # --- absolute: English month names
    for m in re.finditer(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b", lowered):
        month, day, year = EN_MONTHS[m.group(1)], m.group(2), m.group(3)
        add(m, _single(_day(year, month, day) if year else _without_year(month, day, today)))
    for m in re.finditer(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+(\d{{4}}))?\b", lowered):
        day, month, year = m.group(1), EN_MONTHS[m.group(2)], m.group(3)
        add(m, _single(_day(year, month, day) if year else _without_year(month, day, today)))
    for m in re.finditer(rf"\b{_MONTH},?\s+(\d{{4}})\b", lowered):
        add(m, _month_range(m.group(2), EN_MONTHS[m.group(1)]), needs_meeting=True)

    # --- relative: Korean
    simple_ko = {
        "오늘": (today, today),
        "어제": (today - timedelta(days=1),) * 2,
        "그저께": (today - timedelta(days=2),) * 2,
        "그제": (today - timedelta(days=2),) * 2,
        "이번 주": _week(today),
        "이번주": _week(today),
        "금주": _week(today),
        "지난 주": _week(today - timedelta(days=7)),
        "지난주": _week(today - timedelta(days=7)),
        "저번 주": _week(today - timedelta(days=7)),
        "저번주": _week(today - timedelta(days=7)),
        "다음 주": _week(today + timedelta(days=7)),
        "다음주": _week(today + timedelta(days=7)),
        "이번 달": _month_range(today.year, today.month),
        "이번달": _month_range(today.year, today.month),
        "이달": _month_range(today.year, today.month),
        "지난 달": _month_range(*_previous_month(today)),
        "지난달": _month_range(*_previous_month(today)),
        "저번 달": _month_range(*_previous_month(today)),
        "저번달": _month_range(*_previous_month(today)),
        "올해": _year_range(today.year),
        "금년": _year_range(today.year),
        "작년": _year_range(today.year - 1),
        "지난해": _year_range(today.year - 1),
        "재작년": _year_range(today.year - 2),
    }
    for phrase, found in simple_ko.items():
        for m in re.finditer(re.escape(phrase), text):
            add(m, found, relative=True)
    for m in re.finditer(rf"(지난|저번|이번)?\s*([{KO_WEEKDAYS}])요일", text):
        index = KO_WEEKDAYS.index(m.group(2))
        found = _last_weekday(index, today, strictly_before=m.group(1) in ("지난", "저번"))
        add(m, _single(found), relative=True)
    for m in re.finditer(r"(\d{1,3})\s*일\s*전", text):
        add(m, _single(today - timedelta(days=int(m.group(1)))), relative=True)
    for m in re.finditer(r"(\d{1,2})\s*주\s*전", text):
        add(m, _week(today - timedelta(days=7 * int(m.group(1)))), relative=True)

    # --- relative: English
    simple_en = {
        "today": (today, today),
        "yesterday": (today - timedelta(days=1),) * 2,
        "the day before yesterday": (today - timedelta(days=2),) * 2,
        "this week": _week(today),
        "last week": _week(today - timedelta(days=7)),
        "next week": _week(today + timedelta(days=7)),
        "this month": _month_range(today.year, today.month),
        "last month": _month_range(*_previous_month(today)),
        "this year": _year_range(today.year),
        "last year": _year_range(today.year - 1),
    }
    for phrase, found in simple_en.items():
        for m in re.finditer(rf"\b{re.escape(phrase)}\b", lowered):
            add(m, found, relative=True)
    for m in re.finditer(r"\b(last|this|on)?\s*(" + "|".join(EN_WEEKDAYS) + r")\b", lowered):
        index = EN_WEEKDAYS.index(m.group(2))
        found = _last_weekday(index, today, strictly_before=m.group(1) == "last")
        add(m, _single(found), relative=True)
    for m in re.finditer(r"\b(\d{1,3})\s+days?\s+ago\b", lowered):
        add(m, _single(today - timedelta(days=int(m.group(1)))), relative=True)
    for m in re.finditer(r"\b(\d{1,2})\s+weeks?\s+ago\b", lowered):
        add(m, _week(today - timedelta(days=7 * int(m.group(1)))), relative=True)
    return out


def _previous_month(today):
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def _names_a_meeting(text, start, end):
    after, before = text[end:], text[:start]
    return bool(_KO_MEETING_AFTER.match(after) or _EN_MEETING_AFTER.match(after) or _EN_MEETING_BEFORE.search(before))


def parse_when(text, today):
    """The first date or period in `text` (the longest where several start together), or None."""
    if not text:
        return None
    found = []
    for start, end, (first, last), relative, needs_meeting in _candidates(text, today):
        meeting = relative or _names_a_meeting(text, start, end)
        if needs_meeting and not meeting:
            continue
        found.append((start, -(end - start), end, first, last, meeting))
    if not found:
        return None
    start, _length, end, first, last, meeting = min(found)
    # Leading space kept out of the span (some patterns allow one before the number).
    while start < end and text[start].isspace():
        start += 1
    return When(first, last, text[start:end], (start, end), meeting)


def without_when(text, when):
    """`text` with the date expression and the particle stuck to it removed ("2018년 11월 12일 회의에서
    예산은?" -> "회의에서 예산은?"), so the date's digits do not match unrelated numbers."""
    if when is None:
        return text
    start, end = when.span
    before = re.sub(r"\b(?:on|of|from|in|at|held on)\s*$", "", text[:start], flags=re.I)
    rest = re.sub(r"^(?:에서|에는|에|의|부터|까지)(?=\s|$)", "", text[end:])
    return re.sub(r"\s+([?.!,])", r"\1", re.sub(r"\s{2,}", " ", before + " " + rest)).strip()
