"""Names in a download: which are junk, and how a name becomes something to print or a folder id.

    is_skipped(name)    the kit's junk (files.is_junk) or discovery's own marker file
    clean(text)         printable, CSV-safe (undecodable bytes become U+FFFD), NFC
    slug(text)          ASCII and folder-safe ("Zoë Ñúñez" -> "Zoe_Nunez"), "" if nothing is left
    compose(name, key)  <slug>_<key>, folder-safe, the key never cut off
"""
from __future__ import annotations

import re
import unicodedata

from ...files import is_junk
from ..records import safe_id

MARKER = ".autograder-lms-workdir"     # what discover() leaves in its workdir
_FOLD = {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
         "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "œ": "oe", "Œ": "OE", "ı": "i"}


def is_skipped(name: str) -> bool:
    """Junk, skipped silently wherever it is: an OS or editor leftover, or our marker."""
    return name == MARKER or is_junk(name)


def clean(text: str) -> str:
    """A name fit to print and to write to a CSV (undecodable bytes become U+FFFD)."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return unicodedata.normalize("NFC", text)


def slug(text: str) -> str:
    """ASCII, folder-safe form of a name ("Zoë Ñúñez" -> "Zoe_Nunez"); "" if nothing is left."""
    text = "".join(_FOLD.get(c, c) for c in unicodedata.normalize("NFKD", clean(text)))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.encode("ascii", "ignore").decode()
    return safe_id(text) if re.search(r"[A-Za-z0-9]", text) else ""


def compose(name: str, key: str) -> str:
    """<name>_<key>, folder-safe, the key never cut off."""
    text = slug(name)[: max(0, 79 - len(key))].rstrip("._-")
    return safe_id(f"{text}_{key}" if text else key)
