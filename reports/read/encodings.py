"""Decode plain-text and HTML bytes: BOMs, declared charsets, GB-family detection."""
from __future__ import annotations

import logging

from reports.grammar import HAN_RE

from .limits import ReadError

log = logging.getLogger(__name__)

_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"\x1f\x8b", b"\x7fELF", b"Rar!",
                 b"7z\xbc\xaf", b"BZh", b"II*\x00", b"MM\x00*", b"MZ")
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "hz_gb_2312", "hz-gb-2312", "cp936", "ms936", "euc_cn",
              "euc-cn", "x-gbk", "gb_2312_80", "gb_2312", "iso2022_cn", "chinese", "csgb2312"}
# Controls that never occur in text (tab, LF, FF, CR and ESC excluded).
_CTRL_BYTES = bytes(c for c in range(32) if c not in (9, 10, 12, 13, 27))
_SNIFF_BYTES = 64 * 1024


def _strip_bom(data: bytes) -> bytes:
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def _bom_encoding(data: bytes) -> str | None:
    return next((enc for bom, enc in _BOMS if data.startswith(bom)), None)


def _check_binary(data: bytes, name: str) -> None:
    """NUL bytes or a run of control characters mean this is not text in any encoding we read."""
    sample = data[:_SNIFF_BYTES]
    if sample.startswith(_BINARY_MAGIC) or b"\x00" in sample:
        raise ReadError(name, "binary")
    controls = len(sample) - len(sample.translate(None, _CTRL_BYTES))
    if controls > max(2, len(sample) // 100):
        raise ReadError(name, "binary")


def _canonical(encoding: str | None) -> str | None:
    """gb2312/gbk/hz (and their aliases) -> gb18030, their superset; other names lower-cased."""
    if not encoding:
        return None
    enc = encoding.strip().lower().replace("_", "-")
    if enc in _GB_FAMILY or enc.replace("-", "_") in _GB_FAMILY:
        return "gb18030"
    if enc in ("utf8", "utf-8"):
        return "utf-8"
    return enc


def _looks_chinese(text: str) -> bool:
    """Bytes decoded as GB18030 by luck give rare ideographs; real Chinese prose is >90% GB2312."""
    text = text[:200_000]
    hanzi = HAN_RE.findall(text)
    if not hanzi:
        return False
    common = sum(1 for ch in hanzi if _in_gb2312(ch))
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return common >= 0.8 * len(hanzi) and len(hanzi) >= 0.5 * non_ascii


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _detect(data: bytes) -> str | None:
    """charset-normalizer's best guess (None if it has none)."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return best.encoding if best else None


def decode_text(data: bytes, name: str, declared: str | None = None) -> tuple[str, str]:
    """Decode text bytes; returns (text, encoding). Never guesses from the file name.

    Order: BOM; strict UTF-8 (multi-byte UTF-8 almost never validates by accident); the
    charset an HTML page declares; charset-normalizer; GB18030 when the result reads as Chinese
    (the detector misreads short GBK snippets as UTF-16 or CP949).
    """
    bom = _bom_encoding(data)
    if bom:
        try:
            return data.decode(bom), bom
        except UnicodeDecodeError:
            raise ReadError(name, "bad_bom", bom=bom) from None
    _check_binary(data, name)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared, detected = _canonical(declared), _canonical(_detect(data))
    if declared and declared != "gb18030" and (text := _try_decode(data, declared)) is not None:
        return text, declared
    if detected in _OTHER_CJK and len(data) >= 200:
        raise ReadError(name, "undecodable", tried=["utf-8", "gb18030"], guess=f"; detector guessed {detected}")
    gb = _try_decode(data, "gb18030")
    if gb is not None and ("gb18030" in (declared, detected) or _looks_chinese(gb)):
        return gb, "gb18030"
    if detected and detected != "gb18030" and (text := _try_decode(data, detected)) is not None:
        return text, detected
    tried = list(dict.fromkeys(["utf-8", *(e for e in (declared,) if e in _ACCEPTED), "gb18030"]))
    guess = f"; detector guessed {detected}" if detected and detected not in ("gb18030", "utf-8") else ""
    raise ReadError(name, "undecodable", tried=tried, guess=guess)


# Encodings we decode without a BOM: the GB family (as gb18030) and Big5 for Traditional Chinese.
_ACCEPTED = ("gb18030", "big5", "big5hkscs")
# Korean/Japanese double-byte text also decodes as GB18030 (EUC-KR Hangul sits where GB2312 puts
# common hanzi), so on enough bytes (>= 200; shorter GBK snippets get misread) the detector's
# "this is Korean/Japanese" is believed and the file refused rather than read as nonsense.
_OTHER_CJK = frozenset({"cp949", "euc-kr", "euc_kr", "johab", "iso2022-kr", "shift-jis", "shift_jis", "cp932",
                        "euc-jp", "euc_jp", "iso2022-jp", "iso2022_jp"})


def _try_decode(data: bytes, enc: str) -> str | None:
    """Strict decode in one of the encodings Chinese reports come in; None if it fails."""
    if enc not in _ACCEPTED:
        return None
    try:
        return data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def _read_txt(data: bytes, name: str) -> tuple[str, str | None]:
    return decode_text(data, name)


