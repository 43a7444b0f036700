"""The sensitive-text finder: what each kind catches, the look-alikes it must leave
alone, and how matches on OCR lines map back to redaction boxes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from desktop_app.core.ocr import Word
from desktop_app.core.privacy import (
    KINDS,
    PAD,
    Finding,
    find_in_text,
    find_secrets,
    iban_ok,
    luhn_ok,
    summary,
)
from desktop_app.core.settings import Settings, load_settings, settings_path
from desktop_app.core.settings_schema import SettingsFormatError

# Fake keys are put together at run time so no secret scanner takes them for real ones.
SK = "sk-"
FAKE_KEY = "sk-proj-Fake.Key0123456789abcdefABCDEF"


def found(text: str, kind: str) -> list[str]:
    """The values of `kind` found in `text`."""
    return [text[s:e] for k, s, e in find_in_text(text) if k == kind]


def kinds_in(text: str) -> list[str]:
    return [k for k, _, _ in find_in_text(text)]


# -- per kind: true matches ------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("Write to jane.doe@example.com today", "email", "jane.doe@example.com"),
        ("<ops+alerts@mail.example.co.uk>", "email", "ops+alerts@mail.example.co.uk"),
        ("mail: a_b-c@sub-domain.example.org.", "email", "a_b-c@sub-domain.example.org"),
        (f"OPENAI_API_KEY={FAKE_KEY}", "api_key", FAKE_KEY),
        (
            "key " + SK + "Fake0123456789abcdefABCDEFghij.",
            "api_key",
            SK + "Fake0123456789abcdefABCDEFghij",
        ),
        (
            SK + "or-v1-" + "0f1e2d3c4b5a6978" * 4,
            "api_key",
            SK + "or-v1-" + "0f1e2d3c4b5a6978" * 4,
        ),
        ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "api_key", "AKIAIOSFODNN7EXAMPLE"),
        (
            "token: ghp_Fake0123456789abcdefABCDEF0123456789",
            "api_key",
            "ghp_Fake0123456789abcdefABCDEF0123456789",
        ),
        (
            "github_pat_11FAKE0123_abcdefghijABCDEFGHIJ0123456789",
            "api_key",
            "github_pat_11FAKE0123_abcdefghijABCDEFGHIJ0123456789",
        ),
        (
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmYWtlIn0.Zm9vYmFyYmF6cXV4",
            "api_key",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmYWtlIn0.Zm9vYmFyYmF6cXV4",
        ),
        (
            "secret=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
            "api_key",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
        ),
        (
            "client_secret: Xq3Lr9Tz0Kp7Wm2Vb5Nc8Hd1Fg4Js6Ae0Yu9Io3",
            "api_key",
            "Xq3Lr9Tz0Kp7Wm2Vb5Nc8Hd1Fg4Js6Ae0Yu9Io3",
        ),
        ("Card 4111 1111 1111 1111 exp 12/27", "card", "4111 1111 1111 1111"),
        ("card no. 5500-0000-0000-0004", "card", "5500-0000-0000-0004"),
        ("Amex 378282246310005", "card", "378282246310005"),
        ("IBAN GB82 WEST 1234 5698 7654 32", "iban", "GB82 WEST 1234 5698 7654 32"),
        ("DE89370400440532013000 is the account", "iban", "DE89370400440532013000"),
        ("server at 192.168.10.42.", "ip", "192.168.10.42"),
        ("gateway 10.0.0.1:8080", "ip", "10.0.0.1"),
        ("addr 2001:db8:85a3::8a2e:370:7334 up", "ip", "2001:db8:85a3::8a2e:370:7334"),
        ("loopback fe80::1 only", "ip", "fe80::1"),
        ("Call +1 (555) 123-4567 now", "phone", "+1 (555) 123-4567"),
        ("Tel: +44 20 7946 0958", "phone", "+44 20 7946 0958"),
        ("phone 555-123-4567", "phone", "555-123-4567"),
        ("Appelez le 06 12 34 56 78", "phone", "06 12 34 56 78"),
        ("+33612345678", "phone", "+33612345678"),
    ],
)
def test_each_kind_finds_its_values(text: str, kind: str, value: str) -> None:
    assert found(text, kind) == [value]


# -- per kind: near-misses that must not match -----------------------------------
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # email: an @ in an ordinary word, a handle, no domain, no TLD
        ("meet me @home or @work", "email"),
        ("price@5.00 each", "email"),
        ("ping user@localhost", "email"),
        ("follow @jane_doe", "email"),
        ("name@.com", "email"),
        # api_key: too short, no digits, words with the prefix
        ("sk-abc123", "api_key"),
        ("sk-proj-Fake0123", "api_key"),
        ("use " + SK + "learn-and-scikit-image-together-please", "api_key"),
        ("AKIA123", "api_key"),
        ("ghp_short123", "api_key"),
        ("eyJhbGciOi.x.y", "api_key"),
        ("/home/someone/Projects/application/components/Button", "api_key"),
        ("internationalization_and_localization_of_applications", "api_key"),
        ("0000000000000000000000000000000000000000", "api_key"),
        # card: 16 digits failing Luhn, too few digits, a repeated digit
        ("Order 4111 1111 1111 1112", "card"),
        ("1234567812345678", "card"),
        ("4111 1111 1111", "card"),
        ("0000 0000 0000 0000", "card"),
        # iban: failing mod 97, too short
        ("GB82 WEST 1234 5698 7654 33", "iban"),
        ("DE00370400440532013000", "iban"),
        ("AB12 CDEF", "iban"),
        # ip: an octet over 255, version strings, a time, a MAC address
        ("host 192.168.1.256", "ip"),
        ("version 1.2.3.4.5", "ip"),
        ("v1.2.3.4 released", "ip"),
        ("at 12:30:45 today", "ip"),
        ("mac 00:1A:2B:3C:4D:5E", "ip"),
        ("a::b::c", "ip"),
        # phone: dates, amounts, ids, an IP address, a card number
        ("due 2024-01-15", "phone"),
        ("on 15.01.2024 and 01/15/2024", "phone"),
        ("2024-01-15 14:30", "phone"),
        ("total 1 234 567", "phone"),
        ("invoice 123 456 789", "phone"),
        ("10.20.30.40", "phone"),
        ("4111 1111 1111 1111", "phone"),
        ("ticket 12345678", "phone"),
    ],
)
def test_near_misses_do_not_match(text: str, kind: str) -> None:
    assert found(text, kind) == []


def test_checks_luhn_and_mod97() -> None:
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")
    assert iban_ok("GB82 WEST 1234 5698 7654 32")
    assert iban_ok("gb82west12345698765432")
    assert not iban_ok("GB82WEST12345698765433")


def test_overlapping_matches_keep_one_kind() -> None:
    # A key holding digit runs is a key, not also a card or a phone number.
    text = SK + "Fake4111111111111111abcdefABCDEF"
    assert find_in_text(text) == [("api_key", 0, len(text))]
    # The card number is not also reported as a phone number.
    assert kinds_in("Card 4111 1111 1111 1111") == ["card"]


def test_only_the_chosen_kinds_are_found() -> None:
    text = "jane@example.com 192.168.1.1 +44 20 7946 0958"
    assert kinds_in(text) == ["email", "ip", "phone"]
    assert kinds_in(text) == [k for k in kinds_in(text) if k in KINDS]
    assert [k for k, _, _ in find_in_text(text, ("ip",))] == ["ip"]
    assert find_in_text(text, ()) == []
    with pytest.raises(ValueError, match="passport"):
        find_in_text(text, ("email", "passport"))


def test_spans_are_in_order_and_cover_several_per_line() -> None:
    text = "a@example.com then b@example.org and 10.0.0.1"
    spans = find_in_text(text)
    assert [text[s:e] for _, s, e in spans] == ["a@example.com", "b@example.org", "10.0.0.1"]


# -- OCR words to boxes ------------------------------------------------------------
def words_on_line(line: int, *pieces: tuple[str, int], y: int = 100, h: int = 20) -> list[Word]:
    """Words at (x, y) with a width of 10 px per character."""
    return [Word(text, (x, y, 10 * len(text), h), line, 95.0) for text, x in pieces]


def covers(outer: tuple[int, int, int, int], inner: tuple[int, int, int, int]) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and outer[0] + outer[2] >= inner[0] + inner[2]
        and outer[1] + outer[3] >= inner[1] + inner[3]
    )


def test_a_key_split_across_words_is_found_whole() -> None:
    words = words_on_line(
        0, ("Key:", 10), ("sk-proj-", 60), ("Fake.Key0123456789abcdefABCDEF", 150)
    )
    [finding] = find_secrets(words)
    assert finding.kind == "api_key"
    # Both pieces, padded; not the label before them.
    assert finding.box == (60 - PAD, 100 - PAD, 150 + 300 - 60 + 2 * PAD, 20 + 2 * PAD)


def test_a_key_split_after_a_dot_or_with_the_dot_lost_is_found_whole() -> None:
    # What Tesseract really does with the fake key at 20 px and at 9 px.
    for first in ("OPENAI_API_KEY=sk-proj-Fake.", "OPENAI_API_KEY=sk-proj-Fake"):
        words = words_on_line(0, (first, 0), ("Key0123456789abcdefABCDEF", 300))
        [finding] = find_secrets(words)
        assert finding.kind == "api_key"
        assert covers(finding.box, words[0].box) and covers(finding.box, words[1].box)


def test_an_email_split_at_the_at_sign_is_found_whole() -> None:
    for pieces in (
        (("jane.doe@", 0), ("example.com", 100)),
        (("jane.doe", 0), ("@example.com", 90)),
    ):
        words = words_on_line(3, *pieces)
        [finding] = find_secrets(words)
        assert finding.kind == "email"
        assert covers(finding.box, words[0].box) and covers(finding.box, words[1].box)


def test_words_after_a_key_are_not_swallowed() -> None:
    words = words_on_line(0, (FAKE_KEY, 0), ("was", 400), ("leaked", 440))
    [finding] = find_secrets(words)
    assert finding.box[0] + finding.box[2] == 10 * len(FAKE_KEY) + PAD


def test_a_match_inside_a_word_redacts_the_whole_word() -> None:
    words = words_on_line(0, ("mailto:jane@example.com", 50))
    [finding] = find_secrets(words)
    assert covers(finding.box, words[0].box)


def test_lines_are_not_joined_and_boxes_stay_in_the_image() -> None:
    # "jane.doe@" ends one line and "example.com" starts the next: two lines, no email.
    words = words_on_line(0, ("jane.doe@", 0), y=0) + words_on_line(1, ("example.com", 0), y=40)
    assert find_secrets(words) == []
    # Padding never gives a negative coordinate.
    [finding] = find_secrets(words_on_line(0, ("10.0.0.1", 0), y=0))
    assert finding == Finding("ip", (0, 0, 80 + PAD, 20 + PAD))


def test_find_secrets_honours_the_kinds() -> None:
    words = words_on_line(0, ("jane@example.com", 0), ("10.0.0.1", 200))
    assert [f.kind for f in find_secrets(words)] == ["email", "ip"]
    assert [f.kind for f in find_secrets(words, ("ip",))] == ["ip"]
    assert find_secrets([]) == []


def test_summary_names_kinds_and_counts_never_values() -> None:
    words = words_on_line(0, ("a@example.com", 0), ("b@example.com", 200), (FAKE_KEY, 400))
    text = summary(find_secrets(words))
    assert text == "2 email addresses, 1 API key or token"
    assert "example" not in text and "sk-" not in text
    assert summary([]) == ""


# -- Settings → Privacy ------------------------------------------------------------
def test_privacy_settings_default_off_with_every_kind() -> None:
    settings, _ = load_settings()
    assert settings.privacy_auto_redact is False
    assert settings.privacy_kinds == list(KINDS)


def test_privacy_settings_are_saved_and_loaded() -> None:
    settings = Settings()
    settings.privacy_auto_redact = True
    settings.privacy_kinds = ["ip", "email"]
    settings.save()
    data = json.loads(settings_path().read_text(encoding="utf-8"))
    assert data["privacy_auto_redact"] is True
    loaded, notice = load_settings()
    assert notice is None
    assert loaded.privacy_auto_redact is True
    assert loaded.privacy_kinds == ["email", "ip"]  # in the finder's order
    # An empty list is a choice too: nothing counts.
    loaded.privacy_kinds = []
    loaded.save()
    assert load_settings()[0].privacy_kinds == []


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (["email", "passport"], "\"privacy_kinds\" names 'passport'"),
        ("email", '"privacy_kinds" should be a list'),
        ([1, 2], '"privacy_kinds" should be a list'),
    ],
)
def test_unknown_privacy_kinds_are_a_format_error(value: Any, reason: str) -> None:
    data = {**Settings().to_json(), "privacy_kinds": value}
    with pytest.raises(SettingsFormatError, match=reason.replace("(", r"\(")):
        Settings.from_json(data)
    # On disk: the file is set aside and defaults are used, with the reason said.
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    settings, notice = load_settings()
    assert settings.privacy_kinds == list(KINDS)
    assert notice is not None and "privacy_kinds" in notice


def test_privacy_auto_redact_must_be_true_or_false() -> None:
    data = {**Settings().to_json(), "privacy_auto_redact": "yes"}
    with pytest.raises(SettingsFormatError, match="privacy_auto_redact"):
        Settings.from_json(data)
