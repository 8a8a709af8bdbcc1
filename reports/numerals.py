"""Chinese numerals as they appear in report numbering (一, 十一, 二十三, 一百零五)."""
from __future__ import annotations

__all__ = ["CN_COUNT_CLASS", "CN_DIGITS", "CN_NUM_CLASS", "CN_ORDINAL_CLASS", "cn_to_int", "int_to_cn", "to_int"]

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUM_CLASS = "[零〇一二两三四五六七八九十百千]"
# Numbering markers (一、 (二) 三是) use only these; counts (十二个问题, 两个方面) add 百 and 两.
CN_ORDINAL_CLASS = "[一二三四五六七八九十]"
CN_COUNT_CLASS = "[一二三四五六七八九十百两]"


def cn_to_int(s: str) -> int | None:
    """Value of a Chinese numeral below 10000, or None if `s` is not one."""
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


def int_to_cn(n: int) -> str:
    """1..99 as written in team and round names: 三, 十, 十一, 二十三."""
    digits = "一二三四五六七八九"
    tens, ones = divmod(n, 10)
    if not 0 < n < 100:
        raise ValueError(f"{n} is outside 1..99")
    if tens == 0:
        return digits[ones - 1]
    return (digits[tens - 1] if tens > 1 else "") + "十" + (digits[ones - 1] if ones else "")


def to_int(s: str) -> int | None:
    """Arabic (including full-width, already normalised) or Chinese numeral to int."""
    s = s.strip()
    if s.isdigit():
        return int(s)
    return cn_to_int(s)
