"""QR payloads stamped on every printed page, and reading them back from scans.

Payload
    ``GB1:<EXAM>:<COPY>:<PAGE>:<CHECK>``, e.g. ``GB1:DL24-MID:17:3:K7QX2M``. Upper case,
    digits and ``:``/``-`` only, so segno encodes it in QR alphanumeric mode (version 1-2 at
    level M for typical codes). ``CHECK`` is the first 30 bits of HMAC-SHA256(key, body) in
    base32: a misread, a QR from another exam, or a hand-edited code fails it. With the
    default empty key it is a plain checksum; pass a per-deployment secret to make codes
    unforgeable.

Decoding (measured in docs/pipeline-measurements.md, strategy from PIPELINE-NOTES.md)
    1. the reduced image (about half size) if the caller has one: fastest, and enough for
       nearly every page;
    2. the full-resolution image;
    3. the reduced page turned by +20 and -20 degrees;
    4. each quarter of the page at full size, in case handwriting or a fold near the code
       confused the finder on the whole page.
    The result carries the payload, the QR's corner points in full-resolution pixels and the
    page angle they imply, or a typed failure reason.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import segno
import zxingcpp
from PIL import Image

PREFIX = "GB1"
_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,15}$")
_PAYLOAD_RE = re.compile(
    r"^GB1:(?P<code>[A-Z0-9][A-Z0-9-]{0,15}):(?P<copy>\d{1,5}):(?P<page>\d{1,3}):(?P<check>[A-Z2-7]{6})$"
)


class QrPayloadError(ValueError):
    """A QR text that is not one of ours, or whose check value does not match."""


@dataclass(frozen=True)
class QrPayload:
    """What one printed page says about itself. ``copy`` and ``page`` are 1-based."""

    exam_code: str
    copy: int
    page: int

    def __post_init__(self) -> None:
        if not _CODE_RE.match(self.exam_code):
            raise ValueError(
                f"exam code {self.exam_code!r}: use 1-16 upper-case letters, digits or '-'"
            )
        if not (1 <= self.copy <= 99_999 and 1 <= self.page <= 999):
            raise ValueError("copy must be in 1..99999 and page in 1..999")

    def _body(self) -> str:
        return f"{PREFIX}:{self.exam_code}:{self.copy}:{self.page}"

    def encode(self, key: bytes = b"") -> str:
        """The text to put in the QR code."""
        return f"{self._body()}:{_check(self._body(), key)}"

    @classmethod
    def parse(cls, text: str, key: bytes = b"") -> QrPayload:
        """Parse and verify a QR text; raise QrPayloadError if it is not a valid payload."""
        m = _PAYLOAD_RE.match(text.strip())
        if m is None:
            raise QrPayloadError("not a gradebook page code")
        payload = cls(m["code"], int(m["copy"]), int(m["page"]))
        if not hmac.compare_digest(m["check"], _check(payload._body(), key)):
            raise QrPayloadError("check value does not match (misread, or another exam's code)")
        return payload


def _check(body: str, key: bytes) -> str:
    digest = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()
    return base64.b32encode(digest[:5]).decode("ascii")[:6]


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR modules for ``text`` (True = dark), without quiet zone; level M."""
    qr = segno.make_qr(text, error="m", boost_error=False)
    return [[bool(v) for v in row] for row in qr.matrix]


class QrFailure(enum.StrEnum):
    """Why a page has no usable QR code. The values read well in a user-facing message."""

    NOT_FOUND = "no QR code found on the page"
    FOREIGN = "a QR code was found but it is not a gradebook page code"
    BAD_CHECK = "a gradebook QR code was found but its check value is wrong"
    CONFLICT = "several different gradebook codes were found on one page"


@dataclass(frozen=True)
class QrRead:
    """The outcome of reading one page.

    ``corners`` are the QR symbol's own top-left, top-right, bottom-right and bottom-left
    corners in full-resolution image pixels (x right, y down). ``angle_deg`` is the
    direction of the symbol's top edge, counter-clockwise from the image's x axis as seen on
    screen: about 0 for an upright page, 180 for an upside-down one, 90 when the page's top
    points to the image's left edge. ``rotation`` is that angle rounded to a quarter turn.
    """

    payload: QrPayload | None
    failure: QrFailure | None
    corners: tuple[tuple[float, float], ...] = ()
    angle_deg: float = 0.0
    strategy: str = ""

    @property
    def ok(self) -> bool:
        return self.payload is not None

    @property
    def rotation(self) -> int:
        return round(self.angle_deg / 90.0) % 4 * 90


def _grey_array(image: Image.Image) -> np.ndarray:
    if image.mode != "L":
        image = image.convert("L")
    return np.asarray(image)


_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def _candidates(arr: np.ndarray) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(arr, formats=_QR_ONLY)


def _corner_points(bc: zxingcpp.Barcode) -> list[tuple[float, float]]:
    p = bc.position
    return [
        (float(q.x), float(q.y)) for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
    ]


def _angle(corners: Sequence[tuple[float, float]]) -> float:
    (x0, y0), (x1, y1) = corners[0], corners[1]
    # Image y grows downwards; negate it so the angle is counter-clockwise on screen.
    return math.degrees(math.atan2(-(y1 - y0), x1 - x0)) % 360.0


def _classify(
    barcodes: list[zxingcpp.Barcode], key: bytes
) -> tuple[QrPayload | None, QrFailure | None, zxingcpp.Barcode | None]:
    good: dict[QrPayload, zxingcpp.Barcode] = {}
    failure: QrFailure | None = QrFailure.NOT_FOUND
    for bc in barcodes:
        if not bc.valid:
            continue
        try:
            payload = QrPayload.parse(bc.text, key)
        except QrPayloadError:
            ours = bc.text.startswith(PREFIX + ":")
            if failure in (QrFailure.NOT_FOUND, QrFailure.FOREIGN):
                failure = QrFailure.BAD_CHECK if ours else QrFailure.FOREIGN
            continue
        good.setdefault(payload, bc)
    if len(good) > 1:
        return None, QrFailure.CONFLICT, None
    if good:
        payload, bc = next(iter(good.items()))
        return payload, None, bc
    return None, failure, None


def _rotate_points(
    points: list[tuple[float, float]],
    angle_deg: float,
    size: tuple[int, int],
    new_size: tuple[int, int],
) -> list[tuple[float, float]]:
    """Map points found in ``image.rotate(angle_deg, expand=True)`` back to the original."""
    w, h = size
    nw, nh = new_size
    a = math.radians(angle_deg)
    cos, sin = math.cos(a), math.sin(a)
    out = []
    for x, y in points:
        dx, dy = x - nw / 2, y - nh / 2
        # PIL rotates counter-clockwise on screen; undo it.
        out.append((w / 2 + cos * dx - sin * dy, h / 2 + sin * dx + cos * dy))
    return out


def decode_page(
    image: Image.Image, *, reduced: Image.Image | None = None, key: bytes = b""
) -> QrRead:
    """Find and verify the page's QR code.

    Parameters
    ----------
    image
        The full-resolution page image (any mode).
    reduced
        Optional smaller version of the same page (e.g. from JPEG draft mode); tried first.
        If omitted, a half-size copy is made when the page is larger than 1200 px.
    key
        The HMAC key the payloads were encoded with.
    """
    w, h = image.size
    if reduced is None and max(w, h) > 1200:
        reduced = image.convert("L").reduce(2)
    best_failure = QrFailure.NOT_FOUND

    def result(
        bcs: list[zxingcpp.Barcode], scale: float, strategy: str, transform=None
    ) -> QrRead | None:
        nonlocal best_failure
        payload, failure, bc = _classify(bcs, key)
        if payload is None:
            assert failure is not None
            if failure is not QrFailure.NOT_FOUND and best_failure is QrFailure.NOT_FOUND:
                best_failure = failure
            if failure is QrFailure.CONFLICT:
                best_failure = failure
            return None
        assert bc is not None
        pts = [(x * scale, y * scale) for x, y in _corner_points(bc)]
        if transform is not None:
            pts = transform(pts)
        return QrRead(payload, None, tuple(pts), _angle(pts), strategy)

    if reduced is not None:
        scale = w / reduced.size[0]
        found = result(_candidates(_grey_array(reduced)), scale, "reduced")
        if found:
            return found
    grey = _grey_array(image)
    found = result(_candidates(grey), 1.0, "full")
    if found:
        return found
    if best_failure is QrFailure.CONFLICT:
        return QrRead(None, best_failure)
    # Turned retries on the cheap reduced page. zxing-cpp reads unclipped codes at any angle
    # in our measurements (docs/pipeline-measurements.md), so this rarely fires; it costs
    # two reduced decodes on pages that are about to be called unreadable anyway.
    small = Image.fromarray(_grey_array(reduced)) if reduced is not None else Image.fromarray(grey)
    scale = w / small.size[0]
    for angle in (20.0, -20.0):
        tile = small.rotate(angle, expand=True, fillcolor=255, resample=Image.Resampling.BILINEAR)

        def back(pts, angle=angle, tile=tile):
            pts = _rotate_points(pts, angle, small.size, tile.size)
            return [(x * scale, y * scale) for x, y in pts]

        found = result(_candidates(np.asarray(tile)), 1.0, f"turned{angle:+.0f}", back)
        if found:
            return found
    # Last, each quarter of the page at full resolution, in case writing near the code or a
    # fold confused the finder on the whole page.
    grey_img = Image.fromarray(grey)
    quarters = {"tr": (w // 2, 0), "tl": (0, 0), "br": (w // 2, h // 2), "bl": (0, h // 2)}
    for name, (x0, y0) in quarters.items():
        quad = grey_img.crop((x0, y0, x0 + (w + 1) // 2, y0 + (h + 1) // 2))

        def shift(pts, x0=x0, y0=y0):
            return [(x + x0, y + y0) for x, y in pts]

        found = result(_candidates(np.asarray(quad)), 1.0, f"crop-{name}", shift)
        if found:
            return found
    return QrRead(None, best_failure)
