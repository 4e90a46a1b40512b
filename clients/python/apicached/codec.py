"""How APICacheService turns Python values into stored bytes and back.

The content type says how a value was stored, so other clients (curl, apicachectl, other
languages) read the same entries:

=================================  ==============================  ===========================
Python value                       stored as                       content type
=================================  ==============================  ===========================
``bytes`` / ``bytearray``          the bytes                       ``application/octet-stream``
``str``                            UTF-8 text                      ``text/plain; charset=utf-8``
anything JSON can hold             compact JSON                    ``application/json``
anything else (``pickle=True``)    pickle                          ``application/x-python-pickle``
=================================  ==============================  ===========================

JSON turns tuples into lists and dict keys into strings, as ``json`` always does. Pickled
values are read back only by clients that allow pickle: unpickling runs code, so only enable it
when every writer of the daemon is trusted.
"""
from __future__ import annotations

import json
import pickle
from typing import Any, Tuple

OCTET_STREAM = "application/octet-stream"
TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
PICKLE = "application/x-python-pickle"


def encode(value: Any, allow_pickle: bool = False) -> Tuple[bytes, str]:
    """(bytes, content type) for value. TypeError when JSON cannot hold it and pickle is off."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value), OCTET_STREAM
    if isinstance(value, str):
        return value.encode("utf-8"), TEXT
    try:
        return json.dumps(value, separators=(",", ":"), allow_nan=False).encode("utf-8"), JSON
    except (TypeError, ValueError):
        if not allow_pickle:
            raise TypeError(
                f"cannot store {type(value).__name__}: not JSON-serializable "
                "(pass pickle=True to APICacheService to store pickled Python objects)") from None
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), PICKLE


def decode(data: bytes, content_type: str, allow_pickle: bool = False) -> Any:
    """The Python value of stored bytes, chosen by their content type."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return data
    if media.startswith("text/"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data
    if media == PICKLE and allow_pickle:
        return pickle.loads(data)
    return data
