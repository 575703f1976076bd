"""Files: reading, writing, listing, LaTeX and syncdoc history."""

from __future__ import annotations

import attrs

from .._types import Json


@attrs.frozen
class DirectoryEntry:
    """One entry of a listing (CoCalc's ``DirectoryListingEntry``, util/types/directory-listing.ts
    @5cb3315c30): ``size`` is bytes, or a directory's entry count; ``error`` when it could not be
    read; ``link_target`` for a symbolic link whose target could be determined."""

    name: str
    size: int | None = None
    mtime: float | None = None
    isdir: bool = False
    issymlink: bool = False
    link_target: str | None = None
    error: str | None = None


@attrs.frozen
class DirectoryListing:
    files: list[DirectoryEntry]


@attrs.frozen
class PublicDirectoryListing:
    """v1 ``public_directory_listing``."""

    result: DirectoryListing


@attrs.frozen
class PublicTextFile:
    """v1 ``public_text_file_contents``."""

    data: str


@attrs.frozen
class TextFileRead:
    """v1 ``text_file_read_from_project``: a string, or a list for several paths."""

    content: Json


@attrs.frozen
class SyncdocHistory:
    """v1 ``syncdoc_history``."""

    history: Json = None


@attrs.frozen
class LatexResult:
    """v2 ``latex``: the compile output and the PDF's URL (``error`` when it failed)."""

    compile: Json = None
    url: str | None = None
    pdf: Json = None
    error: Json = None
