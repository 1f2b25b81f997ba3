"""Fetch GraphiQL's scripts and styles into ``static/vendor`` (``make assets``).

The explorer page must not load anything from a third party at run time: a CDN
makes it a blank page on a machine without internet and tells the CDN who is
browsing. So ``npm pack`` downloads pinned package tarballs from whatever
registry npm is configured with, each tarball is checked against the sha512
integrity pinned below (the value ``npm view <pkg>@<version> dist.integrity``
printed when it was pinned), and only the browser builds are extracted.

Run as ``python -m static.fetch_assets``. It does nothing when every file is
already there. Without npm, or when the registry cannot be reached, it says so
and exits 0, so that ``make run`` still serves the API (the page then answers
that the assets are missing). A tarball that does not match its pin stops with
exit status 1: that is never a condition to work around.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent / "vendor"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # sha512, as npm's dist.integrity
    files: tuple[tuple[str, str], ...]  # (path inside the tarball's package/, name in vendor)

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def folder(self) -> str:
        """Versioned, so that a new pin is a new URL and never a stale browser cache."""
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}"

    def targets(self, vendor_dir: Path) -> list[Path]:
        return [vendor_dir / self.folder / name for _, name in self.files]


PACKAGES = (
    Package(
        "react",
        "18.2.0",
        "sha512-/3IjMdb2L9QbBdWiW5e3P2/npwMBaU9mHCSCUzNln0ZCYbcfTsGbTJrU/kGemdH2IWmB2ioZ+zkxtmq6g09fGQ==",
        (("umd/react.production.min.js", "react.production.min.js"), ("LICENSE", "LICENSE")),
    ),
    Package(
        "react-dom",
        "18.2.0",
        "sha512-6IMTriUmvsjHUjNtEDudZfuDQUoWXVxKHhlEGSk81n4YFS+r/Kl99wXiwlVXtPBtJenozv2P+hxDsw9eA7Xo6g==",
        (
            ("umd/react-dom.production.min.js", "react-dom.production.min.js"),
            ("LICENSE", "LICENSE"),
        ),
    ),
    Package(
        "graphiql",
        "3.8.3",
        "sha512-cuPDYtXVKV86Pu5PHBX642Odi/uVEE2y1Jxq5rGO/Qy1G2lRp7ZZ7a/T30RzxhuLSWo9zUbzq0P3U49//H0Ugw==",
        (
            ("graphiql.min.js", "graphiql.min.js"),
            ("graphiql.min.css", "graphiql.min.css"),
            ("LICENSE", "LICENSE"),
        ),
    ),
    Package(
        "@graphiql/plugin-explorer",
        "1.0.2",
        "sha512-9j+kg2UjtLZD5EBmGjeWHkoVVxtbShYg2DzbUVebibnZYZM/iMBEF4vaccXJIAm5KaomIPLx0aoNs4LbODyc3Q==",
        (("dist/index.umd.js", "index.umd.js"), ("dist/style.css", "style.css")),
    ),
)


class FetchError(RuntimeError):
    """npm could not deliver the tarballs (absent, offline, registry error)."""


class IntegrityError(RuntimeError):
    """A tarball is not the one pinned: refuse to serve it."""


def missing_assets(vendor_dir: Path = VENDOR_DIR) -> list[Path]:
    """Every vendored file the explorer page needs that is not on disk."""
    return [path for p in PACKAGES for path in p.targets(vendor_dir) if not path.is_file()]


def sri(data: bytes) -> str:
    """The Subresource-Integrity form npm uses: ``sha512-<base64 digest>``."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def npm_pack(npm: str, packages: list[Package], dest: Path) -> dict[str, Path]:
    """Download the packages' tarballs into ``dest`` with one ``npm pack``: spec -> tarball."""
    command = [npm, "pack", "--json", "--ignore-scripts", "--pack-destination", str(dest)]
    command += ["--no-fund", "--no-audit", "--no-update-notifier"]
    try:
        done = subprocess.run(
            command + [p.spec for p in packages],
            cwd=dest,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FetchError(f"npm pack failed: {exc}") from exc
    if done.returncode != 0:
        raise FetchError(f"npm pack failed:\n{done.stderr.strip()}")
    try:
        packed = {
            f"{e['name']}@{e['version']}": dest / e["filename"] for e in json.loads(done.stdout)
        }
    except (ValueError, KeyError, TypeError) as exc:
        raise FetchError(f"unexpected output from npm pack: {done.stdout[:500]!r}") from exc
    absent = [p.spec for p in packages if p.spec not in packed]
    if absent:
        raise FetchError(f"npm pack did not deliver {', '.join(absent)}")
    return packed


def install(package: Package, tarball: Path, vendor_dir: Path) -> None:
    """Check the tarball against its pin, then extract only the package's listed files.

    Members are looked up by name and written to names chosen here, so a hostile
    archive cannot write anywhere else. Each file is written under a temporary
    name and renamed, so an interrupted run leaves no half-written asset.
    """
    data = tarball.read_bytes()
    actual = sri(data)
    if actual != package.integrity:
        raise IntegrityError(
            f"{package.spec}: tarball integrity {actual} does not match the pinned "
            f"{package.integrity}"
        )
    target_dir = vendor_dir / package.folder
    target_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball, "r:gz") as archive:
        for inner, name in package.files:
            member = archive.getmember(f"package/{inner}")
            source = archive.extractfile(member) if member.isfile() else None
            if source is None:
                raise IntegrityError(f"{package.spec}: package/{inner} is not a regular file")
            partial = target_dir / f".{name}.partial"
            partial.write_bytes(source.read())
            os.replace(partial, target_dir / name)


def fetch(
    vendor_dir: Path = VENDOR_DIR,
    npm: str | None = None,
    packages: tuple[Package, ...] = PACKAGES,
) -> list[Package]:
    """Bring ``vendor_dir`` up to date; returns the packages that were (re)installed."""
    wanted = [p for p in packages if not all(path.is_file() for path in p.targets(vendor_dir))]
    if not wanted:
        return []
    npm = npm or shutil.which("npm")
    if npm is None:
        raise FetchError("npm is not installed")
    with tempfile.TemporaryDirectory(prefix="suplinks-assets-") as tmp:
        tarballs = npm_pack(npm, wanted, Path(tmp))
        for package in wanted:
            install(package, tarballs[package.spec], vendor_dir)
    return wanted


def main(vendor_dir: Path = VENDOR_DIR, npm: str | None = None) -> int:
    try:
        installed = fetch(vendor_dir, npm)
    except FetchError as exc:
        print(
            f"GraphiQL assets not fetched ({exc}).\n"
            "The API works; the explorer page at /graphql will say that its assets are "
            "missing until `make assets` succeeds (it needs npm and access to its registry).",
            file=sys.stderr,
        )
        return 0
    except IntegrityError as exc:
        print(f"GraphiQL assets REFUSED: {exc}", file=sys.stderr)
        return 1
    if installed:
        print("GraphiQL assets fetched: " + ", ".join(p.spec for p in installed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
