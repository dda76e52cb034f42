"""Due dates from spoken Korean and English expressions, relative to the meeting date.

One rule, for both languages and every caller (the extractive writer, a model's answer, an edit):

- A weekday, alone or with "this"/"이번 주" ("수요일까지", "화요일 오후까지", "이번 주 수요일", "by Wednesday",
  "this Friday", "on Tuesday afternoon") is the first such day ON OR AFTER the meeting day, 0-6 days later:
  said on a Tuesday, "by Tuesday afternoon" is that same Tuesday and "by Wednesday" the next day.
- "다음 주 X요일" / "차주 X요일" / "next X" is X in the following calendar week (weeks run Monday to
  Sunday), "다다음 주 X요일" two weeks on: said on a Wednesday, "next Monday" is 5 days later and
  "next Friday" 9 days later.
- "이번 주(까지)" / "this week" / "end of the week" is the Friday of the meeting's week (the meeting day when
  it falls on the weekend); "다음 주" / "next week" the Friday of the following week; "주말" / "weekend" the
  Sunday of that week.
- A time of day (오전, 오후, 아침, 저녁, 점심, 퇴근 전, N시, morning, afternoon, evening, noon, EOD) never moves
  the date: with a day it is that day, alone it is the meeting day.
- A date without a year that has clearly passed (more than two weeks before the meeting) is next year's.

`parse_due("다음 주 금요일까지", date(2026, 11, 25))` -> date(2026, 12, 4). None when nothing is recognised."""

import calendar
import datetime
import re

_KO_DAYS = {"월": 0, "화": 1, "수": 2, "목": 3, "금": 4, "토": 5, "일": 6}
_EN_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_EN_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_KO_NUMBERS = {"하루": 1, "이틀": 2, "사흘": 3, "나흘": 4, "닷새": 5, "일주일": 7, "보름": 15}
_EN_NUMBERS = {"one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10}
FRIDAY, SUNDAY = 4, 6


def _week_start(day):
    return day - datetime.timedelta(days=day.weekday())


def _weekday_in_week(day, weekday, weeks_ahead=0):
    return _week_start(day) + datetime.timedelta(days=7 * weeks_ahead + weekday)


def on_or_after(day, weekday):
    """A weekday alone or with "this": the first such day on or after `day`."""
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def in_following_week(day, weekday, weeks=1):
    """ "next X": X in the calendar week after `day`'s (or `weeks` weeks on)."""
    return _weekday_in_week(day, weekday, weeks)


def _week_end(day, weeks=0):
    """ "this week" / "next week" as a deadline: that week's Friday, never before the meeting day."""
    return max(_weekday_in_week(day, FRIDAY, weeks), day)


def _month_end(year, month):
    while month > 12:
        year, month = year + 1, month - 12
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _month_start(year, month):
    while month > 12:
        year, month = year + 1, month - 12
    return datetime.date(year, month, 1)


def _quarter_end(day):
    month = ((day.month - 1) // 3 + 1) * 3
    return _month_end(day.year, month)


def _safe_date(year, month, day):
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _month_day(base, month, day):
    """A month and day without a year: this year's, or next year's when it has clearly passed."""
    candidate = _safe_date(base.year, month, day)
    if candidate is None:
        return None
    if candidate < base - datetime.timedelta(days=14):
        candidate = _safe_date(base.year + 1, month, day) or candidate
    return candidate


def _day_of_month(base, day):
    candidate = _safe_date(base.year, base.month, day)
    if candidate is None or candidate < base:
        nxt = _month_start(base.year, base.month + 1)
        candidate = _safe_date(nxt.year, nxt.month, day)
    return candidate


def _months_later(base, months):
    target = _month_start(base.year, base.month + months)
    return _safe_date(target.year, target.month, min(base.day, calendar.monthrange(target.year, target.month)[1]))


def _count(word, table):
    if word.isdigit():
        return int(word)
    return table.get(word.lower())


# --- Korean ---------------------------------------------------------------------------------
_KO_WEEKDAY = r"([월화수목금토일])(?:요일|욜)"
_KO_WEEK_WORD = r"(이번|금|다음|차|담|다다음)\s*주"
_KO_WEEK_AHEAD = {"이번": 0, "금": 0, "다음": 1, "차": 1, "담": 1, "다다음": 2}
_KO_WEEK_DAY = re.compile(rf"{_KO_WEEK_WORD}\s*(?:의\s*)?{_KO_WEEKDAY}")
_KO_WEEKEND = re.compile(r"(?:(이번|금|다음|차|담|다다음)\s*)?주말")
_KO_WEEK = re.compile(_KO_WEEK_WORD)
_KO_BARE_WEEKDAY = re.compile(_KO_WEEKDAY)
_KO_FULL_DATE = re.compile(r"(\d{4})\s*[년./-]\s*(\d{1,2})\s*[월./-]\s*(\d{1,2})\s*일?")
_KO_NEXT_YEAR = re.compile(r"내년\s*(?:(\d{1,2})\s*월\s*(\d{1,2})\s*일|연말|말)")
_KO_MONTH_DAY = re.compile(r"(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_KO_SLASH = re.compile(r"(?<![\d/])(\d{1,2})\s*/\s*(\d{1,2})(?![\d/])")
_KO_DAY_ONLY = re.compile(r"(?<![\d월])(\d{1,2})\s*일(?!\s*(?:후|뒤|이내|내|안|간|동안))")
_KO_AFTER = re.compile(
    r"(\d+|하루|이틀|사흘|나흘|닷새|일주일|보름)\s*(일|주|주일|달|개월)?\s*(?:후|뒤|이내|내로|내에|안에|안으로)"
)
_KO_MONTH_NAMED_DAY = re.compile(r"(이번|이|금|다음|내)\s*달\s*(\d{1,2})\s*일")
_KO_MONTH = re.compile(r"(이번|이|금|다음|내|다다음)\s*달\s*(말|초|중순|안|내|중)?|(월말|월초)|(내달)\s*(말|초)?")
_KO_TIME_OF_DAY = re.compile(r"오늘|금일|당일|오전|오후|아침|저녁|점심|퇴근|밤|\d{1,2}\s*시")


def _parse_ko(text, base):
    match = _KO_FULL_DATE.search(text)
    if match:
        return _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _KO_NEXT_YEAR.search(text)
    if match:
        if match.group(1):
            return _safe_date(base.year + 1, int(match.group(1)), int(match.group(2)))
        return datetime.date(base.year + 1, 12, 31)
    match = _KO_MONTH_DAY.search(text)
    if match:
        return _month_day(base, int(match.group(1)), int(match.group(2)))
    match = _KO_MONTH_NAMED_DAY.search(text)
    if match:
        month = _month_start(base.year, base.month + (0 if match.group(1) in ("이번", "이", "금") else 1))
        return _safe_date(month.year, month.month, int(match.group(2)))
    match = _KO_AFTER.search(text)
    if match:
        amount = _count(match.group(1), _KO_NUMBERS)
        unit = match.group(2) or ("주" if match.group(1) == "일주일" else "일")
        if match.group(1) in _KO_NUMBERS:
            return base + datetime.timedelta(days=amount)
        if unit in ("주", "주일"):
            return base + datetime.timedelta(weeks=amount)
        if unit in ("달", "개월"):
            return _months_later(base, amount)
        return base + datetime.timedelta(days=amount)
    if re.search(r"내일\s*모레", text) or "모레" in text:
        return base + datetime.timedelta(days=2)
    if "내일" in text or "명일" in text:
        return base + datetime.timedelta(days=1)
    if "글피" in text:
        return base + datetime.timedelta(days=3)
    match = _KO_WEEK_DAY.search(text)
    if match:
        ahead = _KO_WEEK_AHEAD[match.group(1)]
        weekday = _KO_DAYS[match.group(2)]
        return on_or_after(base, weekday) if ahead == 0 else in_following_week(base, weekday, ahead)
    match = _KO_WEEKEND.search(text)
    if match:
        return max(_weekday_in_week(base, SUNDAY, _KO_WEEK_AHEAD[match.group(1)] if match.group(1) else 0), base)
    match = _KO_BARE_WEEKDAY.search(text)
    if match:
        return on_or_after(base, _KO_DAYS[match.group(1)])
    match = _KO_WEEK.search(text)
    if match:
        return _week_end(base, _KO_WEEK_AHEAD[match.group(1)])
    match = _KO_MONTH.search(text)
    if match:
        if match.group(3):
            return (
                _month_end(base.year, base.month)
                if match.group(3) == "월말"
                else _month_start(base.year, base.month + 1)
            )
        which = match.group(1) or match.group(4)
        part = match.group(2) if match.group(1) else match.group(5)
        ahead = {"이번": 0, "이": 0, "금": 0, "다음": 1, "내": 1, "내달": 1, "다다음": 2}[which]
        if part == "초":
            start = _month_start(base.year, base.month + ahead)
            return start + datetime.timedelta(days=4) if ahead else _month_end(base.year, base.month)
        if part == "중순":
            start = _month_start(base.year, base.month + ahead)
            return start.replace(day=15)
        return _month_end(base.year, base.month + ahead)
    if re.search(r"연말|올해\s*(?:말|안|내)|년말", text):
        return datetime.date(base.year, 12, 31)
    if re.search(r"분기\s*(?:말|내|안)", text):
        return _quarter_end(base)
    match = _KO_SLASH.search(text)
    if match:
        return _month_day(base, int(match.group(1)), int(match.group(2)))
    match = _KO_DAY_ONLY.search(text)
    if match:
        return _day_of_month(base, int(match.group(1)))
    if _KO_TIME_OF_DAY.search(text):
        return base
    return None


# --- English --------------------------------------------------------------------------------
# Full names anywhere; abbreviations ("Wed", "Sat") only after a preposition, so "I sat down" is no date.
_EN_DAY_NAME = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
_EN_DAY_ABBR = r"(mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\b\.?"
_EN_NEXT_DAY = re.compile(rf"\bnext\s+(?:{_EN_DAY_NAME}|{_EN_DAY_ABBR})")
_EN_THIS_DAY = re.compile(rf"\b(?:this\s+(?:coming\s+)?|coming\s+)(?:{_EN_DAY_NAME}|{_EN_DAY_ABBR})")
_EN_BARE_DAY = re.compile(rf"\b{_EN_DAY_NAME}|\b(?:by|on|before|until|due)\s+{_EN_DAY_ABBR}")
_EN_MONTH_DAY = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b"
)
_EN_DAY_MONTH = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b"
)
_EN_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_EN_SLASH = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])")
_EN_IN = re.compile(r"\b(?:in|within)\s+(\d+|one|a|an|two|three|four|five|six|seven|ten)\s+(day|week|month)s?\b")
_EN_ORDINAL = re.compile(r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b")
_EN_TIME_OF_DAY = re.compile(
    r"\b(?:today|tonight|eod|cob|close of business|end of (?:the )?day|this (?:morning|afternoon|evening)|"
    r"noon|midday|\d{1,2}\s*(?:am|pm))\b"
)


def _day_index(match):
    word = next(group for group in match.groups() if group)
    return _EN_DAYS[word[:3]]


def _parse_en(text, base):
    text = text.lower()
    match = _EN_ISO.search(text)
    if match:
        return _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _EN_MONTH_DAY.search(text)
    if match:
        return _month_day(base, _EN_MONTHS[match.group(1)[:3]], int(match.group(2)))
    match = _EN_DAY_MONTH.search(text)
    if match:
        return _month_day(base, _EN_MONTHS[match.group(2)[:3]], int(match.group(1)))
    match = _EN_IN.search(text)
    if match:
        amount = _count(match.group(1), _EN_NUMBERS)
        if match.group(2) == "week":
            return base + datetime.timedelta(weeks=amount)
        if match.group(2) == "month":
            return _months_later(base, amount)
        return base + datetime.timedelta(days=amount)
    if re.search(r"\bday after tomorrow\b", text):
        return base + datetime.timedelta(days=2)
    if re.search(r"\btomorrow\b", text):
        return base + datetime.timedelta(days=1)
    match = _EN_NEXT_DAY.search(text)
    if match:
        return in_following_week(base, _day_index(match))
    match = _EN_THIS_DAY.search(text) or _EN_BARE_DAY.search(text)
    if match:
        return on_or_after(base, _day_index(match))
    if re.search(r"\bnext weekend\b", text):
        return _weekday_in_week(base, SUNDAY, 1)
    if re.search(r"\bnext week\b", text):
        return _week_end(base, 1)
    if re.search(r"\bnext month\b", text):
        return _month_end(base.year, base.month + 1)
    if re.search(r"\bweekend\b", text):
        return max(_weekday_in_week(base, SUNDAY), base)
    if re.search(r"\b(?:end of (?:the |this )?week|eow|this week)\b", text):
        return _week_end(base)
    if re.search(r"\b(?:end of (?:the |this )?month|this month|eom)\b", text):
        return _month_end(base.year, base.month)
    if re.search(r"\bend of (?:the |this )?quarter\b|\beoq\b", text):
        return _quarter_end(base)
    if re.search(r"\bend of (?:the |this )?year\b|\beoy\b", text):
        return datetime.date(base.year, 12, 31)
    match = _EN_SLASH.search(text)
    if match:
        return _month_day(base, int(match.group(1)), int(match.group(2)))
    match = _EN_ORDINAL.search(text)
    if match:
        return _day_of_month(base, int(match.group(1)))
    if _EN_TIME_OF_DAY.search(text):
        return base
    return None


_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def parse_due(text, base):
    """The date `text` names, relative to `base` (a date or datetime); None when there is none."""
    if not text:
        return None
    if isinstance(base, datetime.datetime):
        base = base.date()
    text = str(text).strip()
    try:
        if _HANGUL.search(text):
            return _parse_ko(text, base) or _parse_en(text, base)
        return _parse_en(text, base) or _parse_ko(text, base)
    except (ValueError, OverflowError):
        return None
