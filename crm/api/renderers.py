"""JSON written by orjson: the same document DRF's renderer writes, several times faster.

A page of a list is a few hundred values; ``json.dumps`` with DRF's encoder spends about as long
on it as the database on the query (docs/performance.md). What orjson does not write itself
(lazy translations, Decimals, datetimes that reached the renderer unformatted) goes through DRF's
encoder, value by value, so that the output keeps DRF's formats; a document orjson refuses as a
whole (an integer beyond 64 bits, nesting deeper than 254) and an indented one (``; indent=4``,
the browsable API) are written by DRF's renderer.

Two differences, on values no view of ours produces: a float NaN or infinity is written as
``null`` (DRF's renderer raised, a 500), and what DRF's encoder cannot write but orjson can (a
dataclass, a plain Enum, a date as a dict key) is written instead of raising.
"""

import orjson
from rest_framework import renderers
from rest_framework.utils import encoders

_ENCODER = encoders.JSONEncoder()
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            text = orjson.dumps(data, default=_ENCODER.default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF: U+2028 and U+2029 escaped, so that the JSON is also valid JavaScript.
        if b"\xe2\x80\xa8" in text or b"\xe2\x80\xa9" in text:
            text = text.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return text
