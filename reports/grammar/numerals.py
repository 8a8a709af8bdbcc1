"""Chinese numerals as they appear in report numbering (一, 十一, 二十三, 一百零五)."""
from __future__ import annotations

__all__ = [
    "CIRCLED",
    "CN_COUNT_CLASS",
    "CN_DIGITS",
    "CN_DIGIT_CHARS",
    "CN_NUM_CLASS",
    "CN_ORDINAL_CLASS",
    "cn_numeral",
    "cn_to_int",
    "int_to_cn",
    "to_int",
]

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
# The digits in order of value, for writing numerals (cn_numeral).
CN_DIGIT_CHARS = "零一二三四五六七八九"
CN_NUM_CLASS = "[零〇一二两三四五六七八九十百千]"
# Numbering markers (一、 (二) 三是) use only these; counts (十二个问题, 两个方面) add 百 and 两.
CN_ORDINAL_CLASS = "[一二三四五六七八九十]"
CN_COUNT_CLASS = "[一二三四五六七八九十百两]"


def cn_to_int(s: str) -> int | None:
    """Value of a Chinese numeral below 10000, or None if `s` is not one.

    >>> cn_to_int("二十三"), cn_to_int("十一"), cn_to_int("一百零五"), cn_to_int("两")
    (23, 11, 105, 2)
    >>> cn_to_int("23") is None, cn_to_int("") is None
    (True, True)
    """
    if not s or any(ch not in CN_DIGITS and ch not in CN_UNITS for ch in s):
        return None
    total, digit = 0, None
    for ch in s:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * CN_UNITS[ch]
            digit = None
    return total + (digit or 0)


def cn_numeral(n: int, digits: str = CN_DIGIT_CHARS, ten: str = "十", hundred: str = "百") -> str | None:
    """1..999 as a Chinese counting numeral (一, 十, 十一, 二十一, 一百零五), None outside; `digits`,
    `ten` and `hundred` give other scripts (the financial 壹..玖 with 拾, 佰 say 壹拾 for 10).

    >>> [cn_numeral(n) for n in (1, 10, 11, 21, 105, 110)]
    ['一', '十', '十一', '二十一', '一百零五', '一百一十']
    >>> cn_numeral(10, "零壹贰叁肆伍陆柒捌玖", "拾", "佰"), cn_numeral(1000)
    ('壹拾', None)
    """
    if not 0 < n < 1000:
        return None
    if n < 10:
        return digits[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        lead = "" if tens == 1 and digits == CN_DIGIT_CHARS else digits[tens]
        return lead + ten + (digits[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        tail = ""
    elif rest < 10:
        tail = digits[0] + digits[rest]
    else:
        tens, ones = divmod(rest, 10)
        tail = digits[tens] + ten + (digits[ones] if ones else "")
    return digits[hundreds] + hundred + tail


def int_to_cn(n: int) -> str:
    """1..99 as written in team and round names: 三, 十, 十一, 二十三 (ValueError outside)."""
    if not 0 < n < 100:
        raise ValueError(f"{n} is outside 1..99")
    return cn_numeral(n) or ""


CIRCLED = "\u2460-\u2473"   # ① … ⑳


def to_int(s: str) -> int | None:
    """Arabic (including full-width, already normalised), circled (①) or Chinese numeral to int.

    >>> to_int("12"), to_int("③"), to_int("十一")
    (12, 3, 11)
    """
    s = s.strip()
    if s.isdecimal():
        return int(s)
    if len(s) == 1 and "\u2460" <= s <= "\u2473":
        return ord(s) - 0x245F
    return cn_to_int(s)
