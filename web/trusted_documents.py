"""Trusted documents: the operations of our own frontends, known before they are sent.

A manifest (JSON: the sha256 hex digest of each document -> the document) is
loaded at start from ``SUPLINKS_TRUSTED_DOCUMENTS``. A request may name a
document instead of sending it, in either of the two usual ways:

- Apollo's ``{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": H}}}``;
- a plain ``{"documentId": "sha256:H"}`` (or just ``H``).

An unknown hash answers Apollo's ``PersistedQueryNotFound`` (400). With
``SUPLINKS_ANONYMOUS_TRUSTED_ONLY``, a caller without a credential may run only
the manifest's documents (named, or sent in full): their cost was known when
the manifest was written, which closes every anonymous cost attack. Members,
GraphiQL users and partner tokens keep free queries, within the other limits.

``python app.py trusted-documents OUT.json [FOLDER]`` writes a manifest from a
folder of ``.graphql`` files (one document each, hashed exactly as written;
``docs/operations`` by default, the operations of the README and GraphiQL).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from web.errors import Refusal

HASH_PREFIX = "sha256:"


def document_hash(document: str) -> str:
    """The sha256 hex digest of the document's UTF-8 text, as Apollo's clients compute it."""
    return hashlib.sha256(document.encode()).hexdigest()


def build_manifest(folder: Path) -> dict[str, str]:
    """Hash -> document for every ``.graphql`` file under ``folder``, in name order."""
    documents = (path.read_text() for path in sorted(folder.rglob("*.graphql")))
    return {document_hash(document): document for document in documents}


def load_manifest(path: str | Path | None) -> dict[str, str]:
    """The manifest at ``path`` (none: empty); ValueError if any hash is not its document's."""
    if not path:
        return {}
    manifest = json.loads(Path(path).read_text())
    if not isinstance(manifest, dict):
        raise ValueError(f"{path}: expected a JSON object of hash -> document")
    for digest, document in manifest.items():
        if not isinstance(document, str) or document_hash(document) != digest.lower():
            raise ValueError(f"{path}: {digest} is not the sha256 of its document")
    return {digest.lower(): document for digest, document in manifest.items()}


def not_found() -> Refusal:
    """Apollo's answer, so that its clients fall back to sending the document."""
    return Refusal(400, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")


def _named_hash(body: Mapping) -> str | None:
    """The hash a request body names, if it names one."""
    document_id = body.get("documentId")
    if document_id is not None:
        if not isinstance(document_id, str):
            raise Refusal(400, "BAD_REQUEST", "documentId must be a string.")
        return document_id.removeprefix(HASH_PREFIX).lower()
    extensions = body.get("extensions")
    persisted = extensions.get("persistedQuery") if isinstance(extensions, Mapping) else None
    if persisted is None:
        return None
    if not isinstance(persisted, Mapping) or persisted.get("version") != 1:
        raise Refusal(400, "BAD_REQUEST", "Only persistedQuery version 1 is supported.")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str):
        raise Refusal(400, "BAD_REQUEST", "persistedQuery.sha256Hash must be a string.")
    return digest.lower()


class TrustedDocuments:
    def __init__(self, manifest: Mapping[str, str]) -> None:
        self.manifest = dict(manifest)
        # Sent in full, a document is recognised without its surrounding whitespace
        # (an editor's trailing newline); named by hash, it must be exact.
        self._texts = {document_hash(document.strip()) for document in self.manifest.values()}

    def resolve(self, body: object) -> object:
        """The request body, with the document it names (if any) as its ``query``."""
        if not isinstance(body, dict):
            return body
        digest = _named_hash(body)
        if digest is None:
            return body
        document = self.manifest.get(digest)
        if document is None:
            raise not_found()
        sent = body.get("query")
        if sent is not None and sent != document:
            raise Refusal(400, "BAD_REQUEST", "The query sent is not the document named.")
        return {**body, "query": document}

    def trusts(self, query: object) -> bool:
        """Whether ``query`` is one of the manifest's documents (outer whitespace aside)."""
        return isinstance(query, str) and document_hash(query.strip()) in self._texts

    def require_trusted(self, query: object) -> None:
        """Anonymous callers under ``SUPLINKS_ANONYMOUS_TRUSTED_ONLY``: manifest documents only."""
        if not self.trusts(query):
            raise Refusal(
                400,
                "TRUSTED_DOCUMENT_REQUIRED",
                "Without a credential, only this service's trusted documents may be run: "
                "name one by its hash, or log in.",
            )
