"""`askshot ocr`, `ask --redact auto` and `ask --send-text` with the real Tesseract.

The screenshot is drawn with known secrets at known places; the test server's
record, the history file and every byte in the data folder are checked for
what must not leave or stay.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from desktop_app.core.history import History
from desktop_app.core.images import prepare_image
from desktop_app.core.settings import Settings, save_settings
from tests.cli_helpers import askshot
from tests.openai_server import FakeOpenAI, decode_data_url

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
EMAIL = "jane.doe@example.com"
KEY = "sk-proj-Fake.Key0123456789abcdefABCDEF"  # fake, with a dot as real ones may have
OTHER = ("Build finished in 42 seconds", "Quarterly report draft is ready for review")
SIZE = (1920, 1080)
MODEL = "gpt-4o-mini"
MARGIN = 24  # full-size px around a secret that the fill and the resampling may touch
EDGE = 3  # sent px inside a secret's box where the fill must be exactly solid

pytestmark = [
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract-ocr"),
    pytest.mark.skipif(not Path(FONT).exists(), reason="needs fonts-dejavu-core"),
]

Box = tuple[int, int, int, int]  # left, top, right, bottom


@dataclass(frozen=True)
class Shot:
    path: Path
    image: Image.Image
    secrets: dict[str, Box]  # the drawn secret -> its ink box at full size
    others: dict[str, Box]


def _draw_shot(path: Path) -> Shot:
    """A white settings page, 1920×1080: a title bar, a sidebar, lines of text, two secrets."""
    font = ImageFont.truetype(FONT, 28)
    image = Image.new("RGB", SIZE, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, SIZE[0], 60), fill=(40, 44, 52))
    draw.text((24, 14), "Account settings", font=font, fill="white")
    draw.rectangle((0, 60, 360, SIZE[1]), fill=(236, 238, 242))
    for row, word in enumerate(("General", "Billing", "Security", "Developers")):
        draw.text((40, 110 + row * 60), word, font=font, fill=(30, 30, 30))
    ink = (20, 20, 20)
    others: dict[str, Box] = {}
    for text, xy in zip(OTHER, ((480, 160), (480, 620)), strict=True):
        draw.text(xy, text, font=font, fill=ink)
        others[text] = _int_box(draw.textbbox(xy, text, font=font))
    draw.text((480, 300), "Contact:", font=font, fill=ink)
    draw.text((480, 460), "Your key:", font=font, fill=ink)
    secrets: dict[str, Box] = {}
    for text, xy in ((EMAIL, (640, 300)), (KEY, (640, 460))):
        draw.text(xy, text, font=font, fill=ink)
        secrets[text] = _int_box(draw.textbbox(xy, text, font=font))
    image.save(path)
    return Shot(path, image, secrets, others)


def _int_box(box: tuple[float, float, float, float]) -> Box:
    return (int(box[0]), int(box[1]), int(box[2]), int(box[3]))


@pytest.fixture
def shot(tmp_path: Path) -> Shot:
    return _draw_shot(tmp_path / "shot.png")


def _data_dir() -> Path:
    return Path(os.environ["ASKSHOT_DATA_DIR"])


def _sent_images(server: FakeOpenAI) -> list[tuple[bytes, Image.Image]]:
    """The encoded bytes and the decoded pixels of every image the last chat request had."""
    chats = [r for r in server.requests if r.path.endswith("/chat/completions")]
    out = []
    for part in chats[-1].parts("image_url"):
        url = part["image_url"]["url"]
        out.append((base64.b64decode(url.partition(",")[2]), decode_data_url(url).convert("RGB")))
    return out


def _scaled(box: Box, ratio: float, grow: float = 0) -> Box:
    left, top, right, bottom = box
    return (
        int((left - grow) * ratio),
        int((top - grow) * ratio),
        int((right + grow) * ratio + 1),
        int((bottom + grow) * ratio + 1),
    )


def _inset(box: Box, by: int) -> Box:
    return (box[0] + by, box[1] + by, box[2] - by, box[3] - by)


def _spread(image: Image.Image, box: Box) -> int:
    """The widest channel range in `box`: 0 for a solid fill, ~235 over dark text on white."""
    extrema = image.crop(box).getextrema()
    return max(high - low for low, high in extrema)  # type: ignore[misc]


def _chat_requests(server: FakeOpenAI) -> list[object]:
    return [r for r in server.requests if r.path.endswith("/chat/completions")]


def _read_as(text: str, ocr_output: str) -> bool:
    """`text` is in `ocr_output`, allowing Tesseract's one common slip here: O for 0."""
    return text.replace("O", "0") in ocr_output.replace("O", "0")


def _every_byte_under(folder: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()]


def test_redact_auto_blacks_out_the_secrets_before_anything_leaves_or_is_saved(
    openai_server: FakeOpenAI, shot: Shot
) -> None:
    run = askshot(
        "ask",
        "--redact",
        "auto",
        "-i",
        str(shot.path),
        "--base-url",
        openai_server.base_url,
        "what is this?",
    )
    assert run.code == 0, run.err

    # What was redacted is named by kind and count, never by value.
    assert f"redacted 1 email address and 1 API key in {shot.path}" in run.err
    for leaked in (EMAIL, KEY, "jane.doe", "example.com", "Fake.Key", "0123456789"):
        assert leaked not in run.err and leaked not in run.out

    # The server got the downscaled image, solid where the secrets were ...
    [(sent_bytes, sent)] = _sent_images(openai_server)
    ratio = sent.width / SIZE[0]
    assert sent.size == (1365, 768)
    for text, box in shot.secrets.items():
        where = _inset(_scaled(box, ratio), EDGE)
        assert _spread(sent, where) <= 2, f"{text!r} is still visible at {where}"
    # ... and what the same image, unredacted, downscales to everywhere else.
    unredacted = prepare_image(shot.image, MODEL, "auto")
    plain = Image.open(io.BytesIO(unredacted.data)).convert("RGB")
    assert plain.size == sent.size
    for box in shot.secrets.values():  # the secrets really were there to hide
        assert _spread(plain, _inset(_scaled(box, ratio), EDGE)) > 150
    difference = ImageChops.difference(sent, plain).convert("L")
    masked = difference.copy()
    for box in shot.secrets.values():
        masked.paste(0, _scaled(box, ratio, grow=MARGIN))
    assert masked.point(lambda v: 255 if v > 2 else 0).getbbox() is None, "changed elsewhere"
    assert difference.getbbox() is not None
    for box in shot.others.values():  # the other text arrived intact
        region = _scaled(box, ratio)
        assert _spread(sent, region) > 150
        assert ImageChops.difference(sent.crop(region), plain.crop(region)).getbbox() is None

    body = json.dumps(_chat_requests(openai_server)[-1].body)  # type: ignore[attr-defined]
    assert EMAIL not in body and KEY not in body and unredacted.sha256 not in body

    # The history holds the redacted image only: the very bytes the server got.
    with History(_data_dir() / "history.sqlite3") as history:
        [conversation] = history.conversations()
        user, _answer = history.messages(conversation.id)
        [attachment] = user.attachments
        assert history.attachment_bytes(attachment.sha256) == sent_bytes
    assert attachment.sha256 == hashlib.sha256(sent_bytes).hexdigest()

    # Nothing of the secrets or the unredacted image anywhere in the data folder.
    original = shot.path.read_bytes()
    forbidden = {
        "the email": EMAIL.encode(),
        "the key": KEY.encode(),
        "the original file's sha256": hashlib.sha256(original).hexdigest().encode(),
        "the original file's digest": hashlib.sha256(original).digest(),
        "the unredacted upload's sha256": unredacted.sha256.encode(),
        "the unredacted upload's start": unredacted.data[:4096],
        "the original file's start": original[:4096],
    }
    files = _every_byte_under(_data_dir())
    assert any(p.name.startswith("history.sqlite3") for p, _ in files)
    for path, data in files:
        for what, needle in forbidden.items():
            assert needle not in data, f"{what} is in {path}"
        assert EMAIL.encode("utf-16-le") not in data and KEY.encode("utf-16-le") not in data


def test_the_privacy_setting_turns_redaction_on_and_its_kinds_choose_what_counts(
    openai_server: FakeOpenAI, shot: Shot
) -> None:
    save_settings(Settings(privacy_auto_redact=True, privacy_kinds=["email"]))
    url = openai_server.base_url
    run = askshot("ask", "-i", str(shot.path), "--base-url", url, "what is this?")
    assert run.code == 0, run.err
    assert f"redacted 1 email address in {shot.path}" in run.err
    [(_, sent)] = _sent_images(openai_server)
    ratio = sent.width / SIZE[0]
    assert _spread(sent, _inset(_scaled(shot.secrets[EMAIL], ratio), EDGE)) <= 2
    assert _spread(sent, _inset(_scaled(shot.secrets[KEY], ratio), EDGE)) > 150  # not chosen

    run = askshot("ask", "--redact", "off", "-i", str(shot.path), "--base-url", url, "again?")
    assert run.code == 0, run.err
    assert "redact" not in run.err
    [(_, sent)] = _sent_images(openai_server)
    assert _spread(sent, _inset(_scaled(shot.secrets[EMAIL], ratio), EDGE)) > 150


def test_ocr_prints_the_text_in_an_image_from_a_file_or_stdin(shot: Shot) -> None:
    run = askshot("ocr", str(shot.path), key=None)
    assert run.code == 0, run.err
    for text in (*OTHER, EMAIL, KEY, "Account settings"):
        assert _read_as(text, run.out), text
    assert run.out.index(OTHER[0]) < run.out.index(OTHER[1])  # in reading order

    piped = askshot("ocr", "-", stdin=shot.path.read_bytes(), key=None)
    assert (piped.code, piped.out) == (0, run.out)


def test_ocr_of_an_unreadable_file_says_so(tmp_path: Path) -> None:
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    run = askshot("ocr", str(bad), key=None)
    assert run.code == 2
    assert "notes.png" in run.err and "Traceback" not in run.err


def test_send_text_sends_the_words_instead_of_the_pixels_and_says_what_it_saves(
    openai_server: FakeOpenAI, shot: Shot
) -> None:
    url = openai_server.base_url
    run = askshot("ask", "--send-text", "-i", str(shot.path), "--base-url", url, "summarise")
    assert run.code == 0, run.err
    [request] = _chat_requests(openai_server)
    assert request.parts("image_url") == []  # type: ignore[attr-defined]
    text = request.user_text()  # type: ignore[attr-defined]
    assert text.startswith("summarise\n\n[Text read from shot.png]\n")
    assert text.rstrip().endswith("[End of text from shot.png]")
    for line in (*OTHER, EMAIL, KEY):  # not redacted: the user did not ask for it
        assert _read_as(line, text), line
    assert str(shot.path.parent) not in text  # the server never learns the local folder
    # 1920×1080 on gpt-4o-mini costs 36,835 tokens as an image; its text a few dozen.
    assert "instead of the image (36,835 tokens): saves about 36," in run.err
    assert "tokens ($0.005" in run.err
    with History(_data_dir() / "history.sqlite3") as history:
        [conversation] = history.conversations()
        user, _ = history.messages(conversation.id)
    assert not user.attachments and user.text == text


def test_send_text_with_redaction_masks_the_secrets_in_the_text(
    openai_server: FakeOpenAI, shot: Shot
) -> None:
    run = askshot(
        "ask",
        "--send-text",
        "--redact",
        "auto",
        "-i",
        str(shot.path),
        "--base-url",
        openai_server.base_url,
        "summarise",
    )
    assert run.code == 0, run.err
    [request] = _chat_requests(openai_server)
    text = request.user_text()  # type: ignore[attr-defined]
    assert "Contact: [redacted email address]" in text
    assert "Your key: [redacted API key]" in text
    assert OTHER[0] in text
    for leaked in (EMAIL, KEY, "example.com", "Fake.Key", "0123456789"):
        assert leaked not in json.dumps(request.body)  # type: ignore[attr-defined]
        assert leaked not in run.err
    for path, data in _every_byte_under(_data_dir()):
        assert EMAIL.encode() not in data and KEY.encode() not in data, path


def test_without_tesseract_ocr_features_exit_2_with_how_to_install_it(
    openai_server: FakeOpenAI, shot: Shot, tmp_path: Path
) -> None:
    from desktop_app.core import ocr

    empty = tmp_path / "empty-path"
    empty.mkdir()
    env = {"PATH": str(empty)}
    url = openai_server.base_url
    runs = {
        "ocr": askshot("ocr", str(shot.path), env=env),
        "redact": askshot(
            "ask", "--redact", "auto", "-i", str(shot.path), "--base-url", url, "q", env=env
        ),
        "send-text": askshot(
            "ask", "--send-text", "-i", str(shot.path), "--base-url", url, "q", env=env
        ),
    }
    for name, run in runs.items():
        assert run.code == 2, (name, run.err)
        assert ocr.install_hint() in run.err, name
        assert "Traceback" not in run.err
    assert _chat_requests(openai_server) == []  # nothing was sent unredacted
    # Without the OCR features, asking still works.
    plain = askshot("ask", "-i", str(shot.path), "--base-url", url, "q", env=env)
    assert plain.code == 0, plain.err
