"""Render AskShot's icon from the SVG master, at build time, for every platform's package.

    python packaging/render_icons.py OUTDIR [--ico FILE] [--iconset DIR]

Writes OUTDIR/<N>x<N>/apps/askshot.png for the hicolor sizes (plus
OUTDIR/scalable/apps/askshot.svg), so OUTDIR drops straight into
/usr/share/icons/hicolor. `--ico` writes a multi-size Windows icon (Pillow);
`--iconset` writes a macOS .iconset folder for `iconutil -c icns`. Rendering uses
Qt's own SVG renderer (offscreen, no display needed), so the PNGs look exactly like
the icon the running app draws.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICONSET = {  # name in the .iconset -> pixels, as iconutil expects them
    f"icon_{base}x{base}{suffix}.png": base * scale
    for base in (16, 32, 128, 256, 512)
    for suffix, scale in (("", 1), ("@2x", 2))
}
MASTER = Path(__file__).resolve().parent.parent / "resources" / "askshot.svg"


def render_pngs(svg: Path, sizes: set[int], folder: Path) -> dict[int, Path]:
    """One square PNG per size, drawn by QSvgRenderer with antialiasing."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {svg} is not a valid SVG")
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[int, Path] = {}
    for size in sorted(sizes):
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        path = folder / f"askshot-{size}.png"
        if not image.save(str(path), "PNG"):
            raise SystemExit(f"render_icons: could not write {path}")
        out[size] = path
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path, help="hicolor tree to write")
    parser.add_argument("--svg", type=Path, default=MASTER, help="the SVG master")
    parser.add_argument("--ico", type=Path, help="also write a Windows .ico here")
    parser.add_argument("--iconset", type=Path, help="also write a macOS .iconset folder here")
    args = parser.parse_args(argv)

    sizes = set(HICOLOR_SIZES)
    if args.ico:
        sizes |= set(ICO_SIZES)
    if args.iconset:
        sizes |= set(ICONSET.values())
    pngs = render_pngs(args.svg, sizes, args.outdir / ".render")

    for size in HICOLOR_SIZES:
        target = args.outdir / f"{size}x{size}" / "apps" / "askshot.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pngs[size], target)
    scalable = args.outdir / "scalable" / "apps" / "askshot.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.svg, scalable)

    if args.ico:
        from PIL import Image

        images = [Image.open(pngs[s]) for s in sorted(ICO_SIZES, reverse=True)]
        images[0].save(
            args.ico,
            format="ICO",
            sizes=[(s, s) for s in ICO_SIZES],
            append_images=images[1:],  # each size as Qt drew it, not downscaled
        )
    if args.iconset:
        args.iconset.mkdir(parents=True, exist_ok=True)
        for name, size in ICONSET.items():
            shutil.copyfile(pngs[size], args.iconset / name)
    shutil.rmtree(args.outdir / ".render")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
