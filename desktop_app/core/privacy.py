"""Find secrets and personal data in text read from an image.

Each kind is a regular expression for candidates plus a check that throws out
look-alikes (a card number must pass Luhn, an IBAN mod 97, an IPv4 address
octets up to 255, ...). `find_secrets` matches on each OCR line's text, so a
key Tesseract split into several words is still found, and maps each match
back to the words it touches: their boxes, padded, are what to redact.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from desktop_app.core.ocr import Word, lines

KINDS = ("email", "api_key", "card", "iban", "ip", "phone")
# Names for settings and reports: (one, several).
KIND_NAMES = {
    "email": ("email address", "email addresses"),
    "api_key": ("API key or token", "API keys and tokens"),
    "card": ("card number", "card numbers"),
    "iban": ("IBAN", "IBANs"),
    "ip": ("IP address", "IP addresses"),
    "phone": ("phone number", "phone numbers"),
}
# Pixels added around a finding, so antialiased edges of the glyphs are covered too.
PAD = 4


@dataclass(frozen=True)
class Finding:
    """Something sensitive in the image and the box that hides it."""

    kind: str
    box: tuple[int, int, int, int]  # left, top, width, height: the words' boxes united, padded


Span = tuple[str, int, int]  # kind, start, end in the text

# -- email ----------------------------------------------------------------
_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])"
)

# -- API keys and tokens ----------------------------------------------------
_KEY_CHARS = r"[A-Za-z0-9_.\-]"
_API_KEYS = [
    # OpenAI (sk-, sk-proj-, sk-svcacct-), OpenRouter (sk-or-v1-), Anthropic (sk-ant-), ...
    re.compile(rf"(?<![\w-])sk-{_KEY_CHARS}{{20,}}"),
    re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])"),  # AWS access key
    re.compile(r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{30,}(?![A-Za-z0-9_])"),  # GitHub
    re.compile(r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,}"),
    re.compile(r"(?<![A-Za-z0-9_])xox[abposr]-[A-Za-z0-9-]{10,}"),  # Slack
    re.compile(r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])"),  # Google
    # JWT: a base64url JSON header ("eyJ"), payload and signature.
    re.compile(r"(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
]
_HEX = re.compile(r"(?<![A-Za-z0-9_+/-])[0-9A-Fa-f]{32,}(?![A-Za-z0-9_+/=-])")
_BASE64 = re.compile(r"(?<![A-Za-z0-9_+/-])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9_+/=-])")


def _entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _strip_tail(text: str, start: int, end: int) -> int:
    # A sentence's full stop or a trailing dash is punctuation, not part of the key.
    while end > start and text[end - 1] in ".-_":
        end -= 1
    return end


def _api_keys(text: str) -> Iterable[tuple[int, int]]:
    for pattern in _API_KEYS:
        for m in pattern.finditer(text):
            end = _strip_tail(text, m.start(), m.end())
            value = text[m.start() : end]
            if value.startswith("sk-"):
                body = value[3:]
                # Real keys are random: letters and digits both, and long enough.
                if len(body) < 20 or not re.search(r"\d", body) or not re.search(r"[A-Za-z]", body):
                    continue
            yield m.start(), end
    for m in _HEX.finditer(text):
        value = m.group()
        if re.search(r"\d", value) and re.search(r"[A-Fa-f]", value) and _entropy(value) >= 3.0:
            yield m.start(), m.end()
    for m in _BASE64.finditer(text):
        value = m.group()
        mixed = all(re.search(p, value) for p in (r"[a-z]", r"[A-Z]", r"\d"))
        # Paths and identifiers repeat letters; random secrets do not.
        if mixed and sum(ch.isdigit() for ch in value) >= 2 and _entropy(value) >= 4.3:
            yield m.start(), m.end()


# -- card numbers -------------------------------------------------------------
_CARD = re.compile(r"(?<![\d.,-])\d(?:[ -]?\d){12,18}(?![\d-]|[.,]\d)")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _cards(text: str) -> Iterable[tuple[int, int]]:
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn_ok(digits):
            yield m.start(), m.end()


# -- IBAN -------------------------------------------------------------------
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")


def iban_ok(iban: str) -> bool:
    """ISO 13616 check: move the first four characters to the end; mod 97 must be 1."""
    compact = iban.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


def _ibans(text: str) -> Iterable[tuple[int, int]]:
    for m in _IBAN.finditer(text):
        if iban_ok(m.group()):
            yield m.start(), m.end()


# -- IP addresses -----------------------------------------------------------
# Not preceded by a letter, digit or dot, nor followed by ".digit": so "v1.2.3.4"
# and "1.2.3.4.5" (version strings) are not addresses.
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")


def _ips(text: str) -> Iterable[tuple[int, int]]:
    for m in _IPV4.finditer(text):
        if all(int(part) <= 255 for part in m.group().split(".")):
            yield m.start(), m.end()
    for m in _IPV6.finditer(text):
        value = m.group()
        # Times ("12:30:45") and MAC addresses do not parse; "::" alone says nothing.
        if value.count(":") < 2 or sum(ch.isalnum() for ch in value) < 3:
            continue
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            continue
        yield m.start(), m.end()


# -- phone numbers ----------------------------------------------------------
_PHONE = re.compile(
    r"(?<![\w+.-])(?:"
    r"(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]\d{2,4}){1,5}"
    r"|\+\d{8,15}"  # international, written without spaces
    r")(?![\w]|[.-]\d)"
)
_DATE = re.compile(r"^(?:\d{4}[-./ ]\d{1,2}[-./ ]\d{1,2}|\d{1,2}[-./ ]\d{1,2}[-./ ]\d{2,4})$")


def _phones(text: str) -> Iterable[tuple[int, int]]:
    for m in _PHONE.finditer(text):
        value = m.group()
        digits = re.sub(r"\D", "", value)
        if not 7 <= len(digits) <= 15 or _DATE.match(value):
            continue
        if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", value):
            continue  # an IPv4 address
        if not value.startswith(("+", "(")):
            # Without a country code or an area code in brackets, only the shapes
            # phone numbers take: 555-123-4567 (North America), or a trunk 0
            # (020 7946 0958, 06 12 34 56 78). Other digit groups are amounts or ids.
            nanp = re.fullmatch(r"1?[ .-]?\d{3}[ .-]\d{3}[ .-]\d{4}", value)
            trunk = digits.startswith("0") and 10 <= len(digits) <= 11
            if not (nanp or trunk):
                continue
        yield m.start(), m.end()


def _emails(text: str) -> Iterable[tuple[int, int]]:
    for m in _EMAIL.finditer(text):
        yield m.start(), m.end()


_FINDERS: dict[str, Callable[[str], Iterable[tuple[int, int]]]] = {
    "email": _emails,
    "api_key": _api_keys,
    "card": _cards,
    "iban": _ibans,
    "ip": _ips,
    "phone": _phones,
}
# When two matches overlap, the earlier kind here wins (a key holding digits is a key).
_PRIORITY = ("api_key", "email", "iban", "card", "ip", "phone")


def find_in_text(text: str, kinds: Sequence[str] = KINDS) -> list[Span]:
    """Sensitive spans in `text`: (kind, start, end), in order, never overlapping."""
    unknown = [k for k in kinds if k not in _FINDERS]
    if unknown:
        raise ValueError(f"unknown kinds of sensitive text: {', '.join(unknown)}")
    found: list[Span] = []
    for kind in _PRIORITY:
        if kind not in kinds:
            continue
        for start, end in _FINDERS[kind](text):
            if end > start and not any(s < end and start < e for _, s, e in found):
                found.append((kind, start, end))
    return sorted(found, key=lambda span: span[1])


# OCR breaks words inside tokens: at a dash or an at sign ("sk-proj-" + "Abc...",
# "name@" + "example.com", "name" + "@example.com"), and after a dot inside a key or
# an email ("sk-proj-Fake." + "Key0123..."), sometimes dropping the dot. Such pieces
# are joined without a space, so the patterns see the whole token.
_GLUE_AFTER = ("-", "_", "@", "/", "=", "+")
_KEY_START = re.compile(
    r"(?:^|[^A-Za-z0-9])(?:sk-|gh[pousr]_|github_pat_|AKIA|ASIA|xox[abposr]-|AIza|eyJ)"
)
_KEY_PIECE = re.compile(r"(?=[^ ]*\d)[A-Za-z0-9_.+/=-]{4,}")


def _glued(run: str, word: str) -> bool:
    """Whether `word` continues the token `run` (the line's text since its last space)."""
    if run.endswith(_GLUE_AFTER) or word.startswith("@"):
        return True
    if "@" in run and run.endswith("."):
        return True
    return bool(_KEY_START.search(run)) and bool(_KEY_PIECE.fullmatch(word))


def _line_text(words: Sequence[Word]) -> tuple[str, list[tuple[int, int]]]:
    """The line's text and each word's (start, end) in it."""
    text = ""
    offsets: list[tuple[int, int]] = []
    for i, word in enumerate(words):
        if i and not _glued(text.rsplit(" ", 1)[-1], word.text):
            text += " "
        offsets.append((len(text), len(text) + len(word.text)))
        text += word.text
    return text, offsets


def _union(boxes: Sequence[tuple[int, int, int, int]], pad: int) -> tuple[int, int, int, int]:
    left = min(b[0] for b in boxes) - pad
    top = min(b[1] for b in boxes) - pad
    right = max(b[0] + b[2] for b in boxes) + pad
    bottom = max(b[1] + b[3] for b in boxes) + pad
    left, top = max(0, left), max(0, top)
    return left, top, right - left, bottom - top


def find_secrets(words: list[Word], kinds: Sequence[str] = KINDS) -> list[Finding]:
    """Redaction boxes for what `find_in_text` finds on each line of OCR words.

    A match covering part of a word redacts the whole word ("key=sk-..." hides "key=" too).
    """
    findings: list[Finding] = []
    for line in lines(words):
        text, offsets = _line_text(line)
        for kind, start, end in find_in_text(text, kinds):
            touched = [
                w.box for w, (s, e) in zip(line, offsets, strict=True) if s < end and start < e
            ]
            if touched:
                findings.append(Finding(kind=kind, box=_union(touched, PAD)))
    return findings


def counted(
    findings: Sequence[Finding], names: Mapping[str, tuple[str, str]] = KIND_NAMES
) -> list[str]:
    """One phrase per kind found, in KINDS order: "2 email addresses"; never the values."""
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    order = {kind: index for index, kind in enumerate(KINDS)}
    phrases = []
    for kind, n in sorted(counts.items(), key=lambda item: order.get(item[0], len(order))):
        one, many = names.get(kind, (kind, kind))
        phrases.append(f"{n} {one if n == 1 else many}")
    return phrases


def summary(findings: Sequence[Finding]) -> str:
    """Kinds and counts, never the values: "2 email addresses, 1 API key or token"."""
    return ", ".join(counted(findings))
