"""The packaging helpers that run on every build: icons, Qt plugin policy, Depends.

The full build-install-run-remove check is packaging/test_deb.sh (CI runs it
after the suite); these are the fast parts, so a broken helper shows up in
`make test` instead of after a two-minute build.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
sys.path.insert(0, str(PACKAGING / "pyinstaller_hooks"))

from askshot_qt_policy import keep  # noqa: E402


def test_icons_render_at_every_hicolor_size_and_into_an_ico(tmp_path: Path) -> None:
    out = tmp_path / "hicolor"
    ico = tmp_path / "askshot.ico"
    subprocess.run(
        [sys.executable, str(PACKAGING / "render_icons.py"), str(out), "--ico", str(ico)],
        check=True,
        timeout=60,
    )
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        with Image.open(out / f"{size}x{size}" / "apps" / "askshot.png") as png:
            assert png.size == (size, size)
            assert png.mode == "RGBA"
            # Drawn, not blank: the centre of the icon is opaque.
            assert png.getpixel((size // 2, size // 2))[3] == 255
    assert (out / "scalable" / "apps" / "askshot.svg").read_bytes() == (
        ROOT / "resources" / "askshot.svg"
    ).read_bytes()
    with Image.open(ico) as icon:
        assert {(16, 16), (32, 32), (256, 256)} <= icon.info["sizes"]
    assert not (out / ".render").exists()


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", True),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqpdf.so", False),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True),
        ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", False),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
        ("PySide6/Qt/plugins/imageformats/qjpeg.dll", True),
        ("PySide6/Qt/plugins/platforms/qwindows.dll", True),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("PIL/_imaging.cpython-311-x86_64-linux-gnu.so", True),
    ],
)
def test_qt_policy_keeps_what_askshot_uses_and_drops_the_rest(dest: str, kept: bool) -> None:
    assert keep(dest) is kept


@pytest.mark.skipif(
    not (shutil.which("dpkg") and shutil.which("readelf") and shutil.which("ldd")),
    reason="needs dpkg, readelf (binutils) and ldd: a Debian build host",
)
def test_depends_name_what_the_bundle_links_from_the_host_not_what_it_carries(
    tmp_path: Path,
) -> None:
    import zlib

    if not getattr(zlib, "__file__", None):
        pytest.skip("this Python has zlib built in; the test needs it as a shared library")
    bundle = tmp_path / "bundle"
    internal = bundle / "_internal"
    internal.mkdir(parents=True)
    # Python's zlib extension links libz.so.1 and libc.so.6.
    shutil.copy(zlib.__file__, internal / Path(zlib.__file__).name)

    def depends() -> str:
        result = subprocess.run(
            [sys.executable, str(PACKAGING / "linux" / "deb_depends.py"), str(bundle)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return result.stdout.strip()

    from_host = depends()
    assert from_host.startswith("libc6 (>= ")
    assert "zlib1g" in from_host.split(", ")
    # Once the bundle carries its own libz, only libc6 is left for the host.
    libz = (
        subprocess.run(["ldd", zlib.__file__], capture_output=True, text=True, check=True)
        .stdout.split("libz.so.1 => ")[1]
        .split()[0]
    )
    shutil.copy(libz, internal / "libz.so.1")
    assert "zlib1g" not in depends()
