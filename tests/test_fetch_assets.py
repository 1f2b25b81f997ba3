"""static/fetch_assets.py: pinned tarballs only, only the listed files, offline-tolerant.

npm is replaced by a small script that hands out a tarball built here, so these
tests need no network; the real download is what `make assets` does.
"""

from __future__ import annotations

import io
import sys
import tarfile
from pathlib import Path

import pytest

from static import fetch_assets
from static.fetch_assets import (
    PACKAGES,
    FetchError,
    IntegrityError,
    Package,
    fetch,
    install,
    main,
    sri,
)


def _tarball(path: Path, members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def _fake_npm(tmp_path: Path, tarball: Path, exit_code: int = 0) -> str:
    """An ``npm`` that 'packs' every requested spec by copying ``tarball``."""
    script = tmp_path / "npm"
    script.write_text(
        f"""#!{sys.executable}
import json, shutil, sys
args = sys.argv[1:]
if {exit_code}:
    sys.stderr.write("npm error code E404\\n")
    sys.exit({exit_code})
dest = args[args.index("--pack-destination") + 1]
specs = [a for a in args[1:] if not a.startswith("-") and a != dest]
packed = []
for spec in specs:
    name, _, version = spec.rpartition("@")
    filename = name.lstrip("@").replace("/", "-") + "-" + version + ".tgz"
    shutil.copy({str(tarball)!r}, dest + "/" + filename)
    packed.append({{"name": name, "version": version, "filename": filename}})
print(json.dumps(packed))
"""
    )
    script.chmod(0o755)
    return str(script)


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_tarball_that_is_not_the_pinned_one_is_refused_and_nothing_is_written(tmp_path):
    tarball = tmp_path / "react.tgz"
    _tarball(tarball, {"package/umd/react.production.min.js": b"alert('not react')"})
    vendor = tmp_path / "vendor"

    with pytest.raises(IntegrityError, match="does not match the pinned"):
        install(PACKAGES[0], tarball, vendor)

    assert not vendor.exists()


def test_only_the_listed_files_are_extracted_under_the_names_chosen_here(tmp_path):
    tarball = tmp_path / "demo.tgz"
    data = _tarball(
        tarball,
        {
            "package/dist/demo.umd.js": b"window.Demo = {};",
            "package/dist/extra.js": b"not wanted",
            "package/../../escape.txt": b"path traversal",
        },
    )
    package = Package("@demo/pkg", "1.0.0", sri(data), (("dist/demo.umd.js", "demo.js"),))
    vendor = tmp_path / "vendor"

    install(package, tarball, vendor)

    assert _files(vendor) == ["demo-pkg-1.0.0/demo.js"]
    assert (vendor / "demo-pkg-1.0.0" / "demo.js").read_bytes() == b"window.Demo = {};"
    assert not (tmp_path.parent / "escape.txt").exists()


def test_fetch_installs_what_is_missing_then_never_calls_npm_again(tmp_path):
    tarball = tmp_path / "demo.tgz"
    data = _tarball(tarball, {"package/index.js": b"window.Demo = 1;"})
    package = Package("demo", "2.0.0", sri(data), (("index.js", "index.js"),))
    vendor = tmp_path / "vendor"

    installed = fetch(vendor, _fake_npm(tmp_path, tarball), (package,))

    assert installed == [package]
    assert _files(vendor) == ["demo-2.0.0/index.js"]
    assert fetch(vendor, str(tmp_path / "no-such-npm"), (package,)) == []


def test_fetch_reports_npm_failing(tmp_path):
    tarball = tmp_path / "demo.tgz"
    data = _tarball(tarball, {"package/index.js": b""})
    package = Package("demo", "2.0.0", sri(data), (("index.js", "index.js"),))

    with pytest.raises(FetchError, match="E404"):
        fetch(tmp_path / "vendor", _fake_npm(tmp_path, tarball, exit_code=1), (package,))


def test_without_npm_make_assets_says_so_and_lets_make_run_go_on(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(fetch_assets.shutil, "which", lambda name: None)

    assert main(tmp_path / "vendor") == 0

    assert "npm is not installed" in capsys.readouterr().err
    assert not (tmp_path / "vendor").exists()


def test_a_tampered_registry_tarball_stops_make_assets(tmp_path, capsys):
    tarball = tmp_path / "tampered.tgz"
    _tarball(tarball, {f"package/{inner}": b"tampered" for p in PACKAGES for inner, _ in p.files})

    assert main(tmp_path / "vendor", _fake_npm(tmp_path, tarball)) == 1

    assert "REFUSED" in capsys.readouterr().err
    assert not (tmp_path / "vendor").exists()
