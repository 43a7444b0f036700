"""Compute the .deb's `Depends:` from what the PyInstaller bundle really links to.

    python packaging/linux/deb_depends.py BUNDLE_DIR

Runs `ldd` over every ELF file in the bundle the way the bundle's launcher loads
them (LD_LIBRARY_PATH at the bundle's library folder), keeps the libraries found
outside the bundle, and asks dpkg which package owns each one (`dpkg -S`). Prints
one comma-separated Depends value. Fails, naming the files, when a library is not
found at all or belongs to no package: a guessed dependency list is how packages
end up uninstallable or crashing on a fresh system.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ELF_MAGIC = b"\x7fELF"
LDD_LINE = re.compile(r"^\s*(\S+)\s+=>\s+(not found|\S+)")
NEEDED_LINE = re.compile(r"\(NEEDED\)\s+Shared library: \[(.+)\]")


def elf_files(bundle: Path) -> list[Path]:
    """Every ELF file (executables, shared libraries, plugins) under the bundle."""
    found = []
    for path in sorted(bundle.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == ELF_MAGIC:
                    found.append(path)
    return found


def needed(path: Path) -> set[str]:
    """The sonames a file links to directly (its DT_NEEDED entries)."""
    result = subprocess.run(
        ["readelf", "-d", "-W", str(path)], capture_output=True, text=True, check=False
    )
    return set(NEEDED_LINE.findall(result.stdout))


def host_libraries(bundle: Path, files: list[Path]) -> tuple[dict[str, set[Path]], list[str]]:
    """Libraries resolved outside the bundle (path -> who needs it) and unresolved ones.

    Only direct links count (as dpkg-shlibdeps does): a system library's own
    dependencies are its package's business.
    """
    env = dict(os.environ)
    internal = bundle / "_internal"
    env["LD_LIBRARY_PATH"] = str(internal if internal.is_dir() else bundle)
    outside: dict[str, set[Path]] = {}
    missing: list[str] = []
    root = str(bundle.resolve())
    for path in files:
        result = subprocess.run(
            ["ldd", str(path)], capture_output=True, text=True, env=env, check=False
        )
        direct = needed(path)
        for line in result.stdout.splitlines():
            match = LDD_LINE.match(line)
            if not match or match.group(1) not in direct:
                continue
            soname, target = match.groups()
            if target == "not found":
                missing.append(f"{path.relative_to(bundle)} needs {soname}")
            elif not os.path.realpath(target).startswith(root):
                outside.setdefault(target, set()).add(path)
    return outside, missing


def owning_packages(paths: list[str]) -> tuple[dict[str, str], list[str]]:
    """dpkg -S for each path, trying the merged-/usr twin when dpkg knows the other one."""
    owners: dict[str, str] = {}
    unowned: list[str] = []
    for path in paths:
        candidates = [path, os.path.realpath(path)]
        for candidate in list(candidates):
            if candidate.startswith("/usr/"):
                candidates.append(candidate[4:])
            else:
                candidates.append("/usr" + candidate)
        for candidate in dict.fromkeys(candidates):
            result = subprocess.run(
                ["dpkg", "-S", candidate], capture_output=True, text=True, check=False
            )
            if result.returncode == 0:
                package = result.stdout.split(":", 1)[0].split(",")[0].strip()
                owners[path] = package
                break
        else:
            unowned.append(path)
    return owners, unowned


def libc_floor() -> str:
    """libc6's upstream version here: the bundle's own libraries were linked against it."""
    version = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", "libc6"], capture_output=True, text=True, check=True
    ).stdout
    return version.split("-")[0].split("+")[0]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    bundle = Path(args[0])
    files = elf_files(bundle)
    outside, missing = host_libraries(bundle, files)
    if missing:
        print(
            "deb_depends: libraries found nowhere (install them on the build host):",
            file=sys.stderr,
        )
        for item in sorted(set(missing)):
            print(f"  {item}", file=sys.stderr)
        return 1
    owners, unowned = owning_packages(sorted(outside))
    if unowned:
        print("deb_depends: libraries no Debian package owns:", file=sys.stderr)
        for path in unowned:
            print(
                f"  {path} (for {', '.join(sorted(p.name for p in outside[path]))})",
                file=sys.stderr,
            )
        return 1
    packages = sorted(set(owners.values()))
    depends = [f"libc6 (>= {libc_floor()})" if p == "libc6" else p for p in packages]
    print(", ".join(depends))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
