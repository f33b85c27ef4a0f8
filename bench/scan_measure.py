"""Measure the scan pipeline's building blocks on generated pages.

Run from the repository root::

    .venv/bin/python bench/scan_measure.py            # everything, a few minutes on 2 cores
    .venv/bin/python bench/scan_measure.py --quick    # fewer pages and crops
    .venv/bin/python bench/scan_measure.py --only ocr # one section: copies, pdf, qr, align, ocr

Prints Markdown tables; docs/pipeline-measurements.md holds a copy of one run. Pages come
from exams.scanning.copies + fakescan, so nothing here is real handwriting or a real scanner.
OpenCV and pyzbar rows appear only when those packages (and libzbar0) are installed.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import zxingcpp
from PIL import Image, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exams.scanning import ocr
from exams.scanning.align import align_page, crop_region
from exams.scanning.copies import make_copies, render_template
from exams.scanning.fakescan import ScanDefects, fake_scan
from exams.scanning.layout import Region
from exams.scanning.pages import iter_pages
from exams.scanning.qrcodes import decode_page


def _table(header: list[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _exam(pages: int) -> tuple[bytes, list[Region]]:
    regions = [
        Region(f"{p}.{i}", p, 0.12, 0.2 + 0.15 * i, 0.7, 0.28 + 0.15 * i)
        for p in range(1, pages + 1)
        for i in range(4)
    ]
    return render_template("Benchmark exam", regions), regions


def _scan(copies: int, pages: int, dpi: float, seed: int = 7) -> bytes:
    template, regions = _exam(pages)
    pdf = make_copies(template, exam_code="BENCH", copies=copies)
    rng = random.Random(seed)
    answers = {
        (c, r.label): str(rng.randint(1, 9999)) for c in range(1, copies + 1) for r in regions
    }
    return fake_scan(pdf, answers, regions, seed=seed, dpi=dpi).pdf


# --------------------------------------------------------------------------- copies
def bench_copies(quick: bool) -> str:
    template, _ = _exam(4)
    rows = []
    for n in (10,) if quick else (10, 100):
        t0 = time.perf_counter()
        pdf = make_copies(template, exam_code="BENCH", copies=n)
        dt = time.perf_counter() - t0
        rows.append([n, n * 4, f"{dt:.2f}", f"{n * 4 / dt:.0f}", f"{len(pdf) / 1024:.0f}"])
    return (
        "### Printable copies (reportlab stamps + pypdfium2 overlay, 4-page template)\n\n"
        + _table(["copies", "pages", "seconds", "pages/s", "PDF KiB"], rows)
    )


# --------------------------------------------------------------------------- pdf
def _decode_zxing(arr: np.ndarray) -> bool:
    return any(
        b.text.startswith("GB1:")
        for b in zxingcpp.read_barcodes(
            arr, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        )
    )


def bench_pdf(quick: bool) -> str:
    n_copies = 3 if quick else 12
    data = _scan(n_copies, 2, dpi=200)
    rows = []

    def run(label: str, fn) -> None:
        t0 = time.perf_counter()
        found = fn()
        dt = time.perf_counter() - t0
        rows.append([label, f"{n_pages / dt:.1f}", f"{found}/{n_pages}"])

    doc = pdfium.PdfDocument(data)
    n_pages = len(doc)

    def render(dpi: float) -> int:
        found = 0
        for i in range(n_pages):
            page = doc[i]
            arr = page.render(scale=dpi / 72, grayscale=True).to_numpy()
            found += _decode_zxing(np.ascontiguousarray(arr[..., 0]) if arr.ndim == 3 else arr)
        return found

    def extract(draft: bool) -> int:
        found = 0
        for i in range(n_pages):
            (img_obj,) = doc[i].get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,))
            buf = io.BytesIO()
            img_obj.extract(buf)
            im = Image.open(io.BytesIO(buf.getvalue()))
            if draft:
                im.draft("L", (im.size[0] // 2, im.size[1] // 2))
            found += _decode_zxing(np.asarray(im.convert("L")))
        return found

    def pipeline() -> int:
        found = 0
        for p in iter_pages(data):
            found += decode_page(p.image, reduced=p.reduced()).ok
        return found

    run("render with pypdfium2 at 150 dpi, zxing-cpp", lambda: render(150))
    run("extract the embedded JPEG, full size, zxing-cpp", lambda: extract(False))
    run("extract the embedded JPEG, draft 1/2, zxing-cpp", lambda: extract(True))
    run("pages.iter_pages + qrcodes.decode_page (reduced first, then fallbacks)", pipeline)
    doc.close()
    return (
        f"### Page -> grey image -> QR ({n_pages} fake-scanned pages, 200 dpi, one JPEG per page)\n\n"
        + _table(["method", "pages/s", "QR found"], rows)
    )


# --------------------------------------------------------------------------- qr
def _decoders() -> dict[str, Callable[[np.ndarray], bool]]:
    decoders: dict[str, Callable[[np.ndarray], bool]] = {"zxing-cpp": _decode_zxing}
    try:
        import cv2

        det = cv2.QRCodeDetector()

        def opencv(arr: np.ndarray) -> bool:
            text, _, _ = det.detectAndDecode(arr)
            return text.startswith("GB1:")

        decoders[f"OpenCV {cv2.__version__} QRCodeDetector"] = opencv
    except ImportError:
        pass
    try:
        from pyzbar import pyzbar

        def zbar(arr: np.ndarray) -> bool:
            return any(r.data.startswith(b"GB1:") for r in pyzbar.decode(Image.fromarray(arr)))

        zbar(np.full((8, 8), 255, np.uint8))
        decoders["pyzbar (libzbar0)"] = zbar
    except (ImportError, OSError):
        pass
    return decoders


def bench_qr(quick: bool) -> str:
    n_copies = 2 if quick else 6
    template, _ = _exam(2)
    pdf = make_copies(template, exam_code="BENCH", copies=n_copies)
    doc = pdfium.PdfDocument(pdf)
    clean = [
        doc[i].render(scale=150 / 72, grayscale=True).to_pil().convert("L") for i in range(len(doc))
    ]
    doc.close()
    rng = np.random.default_rng(3)

    def jpeg(im: Image.Image, q: int) -> Image.Image:
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=q)
        return Image.open(io.BytesIO(buf.getvalue())).convert("L")

    def noise(im: Image.Image, sigma: float) -> Image.Image:
        arr = np.asarray(im, np.float32) + rng.normal(0, sigma, (im.size[1], im.size[0]))
        return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))

    conditions = {
        "clean": lambda im: im,
        "rotated 3°": lambda im: im.rotate(3, resample=Image.Resampling.BICUBIC, fillcolor=255),
        "rotated 15°": lambda im: im.rotate(15, resample=Image.Resampling.BICUBIC, fillcolor=255),
        "rotated 45°": lambda im: im.rotate(45, resample=Image.Resampling.BICUBIC, fillcolor=255),
        "upside down": lambda im: im.rotate(180),
        "blur r=1.5": lambda im: im.filter(ImageFilter.GaussianBlur(1.5)),
        "blur r=2.5": lambda im: im.filter(ImageFilter.GaussianBlur(2.5)),
        "noise σ=25": lambda im: noise(im, 25),
        "noise σ=50": lambda im: noise(im, 50),
        "JPEG q=15": lambda im: jpeg(im, 15),
        "all: 3°, blur 1, σ=15, q=40": lambda im: jpeg(
            noise(
                im.rotate(3, resample=Image.Resampling.BICUBIC, fillcolor=255).filter(
                    ImageFilter.GaussianBlur(1)
                ),
                15,
            ),
            40,
        ),
    }
    decoders = _decoders()
    strategies: dict[str, int] = defaultdict(int)

    def pipeline(arr: np.ndarray) -> bool:
        read = decode_page(Image.fromarray(arr))
        strategies[read.strategy or "unread"] += 1
        return read.ok

    decoders["qrcodes.decode_page (zxing-cpp + retries)"] = pipeline
    found: dict[tuple[str, str], int] = defaultdict(int)
    seconds: dict[str, float] = defaultdict(float)
    for cname, cond in conditions.items():
        for im in clean:
            arr = np.ascontiguousarray(np.asarray(cond(im)))
            for dname, dec in decoders.items():
                t0 = time.perf_counter()
                found[dname, cname] += dec(arr)
                seconds[dname] += time.perf_counter() - t0
    n = len(clean)
    rows = [[c] + [f"{found[d, c]}/{n}" for d in decoders] for c in conditions]
    rows.append(
        ["ms per page (mean)"]
        + [f"{seconds[d] / (n * len(conditions)) * 1000:.0f}" for d in decoders]
    )
    return (
        f"### QR decoders on whole A4 pages at 150 dpi, 22 mm code ({n} pages per condition)\n\n"
        + _table(["condition", *decoders], rows)
        + f"\n\ndecode_page strategies that succeeded: {dict(strategies)}"
    )


# --------------------------------------------------------------------------- align
def bench_align(quick: bool) -> str:
    data = _scan(2 if quick else 6, 2, dpi=200)
    rows = []
    t_dec = t_align = 0.0
    n = 0
    methods: dict[str, int] = defaultdict(int)
    for p in iter_pages(data):
        t0 = time.perf_counter()
        read = decode_page(p.image, reduced=p.reduced())
        t1 = time.perf_counter()
        aligned = align_page(p.image, rotation=read.rotation, qr_angle_deg=read.angle_deg)
        t2 = time.perf_counter()
        t_dec += t1 - t0
        t_align += t2 - t1
        methods[aligned.method] += 1
        n += 1
    rows.append(["decode_page", f"{t_dec / n * 1000:.0f}"])
    rows.append(["align_page (markers + affine resample)", f"{t_align / n * 1000:.0f}"])
    return f"### Alignment ({n} pages, 200 dpi; methods used: {dict(methods)})\n\n" + _table(
        ["step", "ms per page"], rows
    )


# --------------------------------------------------------------------------- ocr
#: The kinds of answer written on the generated crops; NUMBER is INTEGER or DECIMAL as far
#: as the handwriting goes.
WRITTEN_KINDS = tuple(k for k in ocr.AnswerKind if k is not ocr.AnswerKind.NUMBER)


def _answer(kind: ocr.AnswerKind, rng: random.Random) -> str:
    if kind is ocr.AnswerKind.INTEGER:
        return str(
            rng.choice(
                [
                    rng.randint(0, 99),
                    rng.randint(100, 9999),
                    rng.randint(10000, 999999),
                    -rng.randint(1, 999),
                ]
            )
        )
    if kind is ocr.AnswerKind.DECIMAL:
        places = rng.randint(1, 4)
        value = rng.uniform(-20, 20) if rng.random() < 0.2 else rng.uniform(0, 10)
        return f"{value:.{places}f}"
    if kind is ocr.AnswerKind.SHAPE:
        dims = [
            rng.choice([1, 3, 16, 32, 64, 126, 128, 256, 512]) for _ in range(rng.randint(2, 4))
        ]
        return " x ".join(map(str, dims))
    return rng.choice(
        [
            f"e^{{{rng.randint(1, 9) / 100:.2f}}}",
            f"ln {rng.randint(2, 9)} = {rng.uniform(0.5, 2.3):.3f}",
            f"1/{rng.randint(2, 64)}",
            f"2^{rng.randint(3, 12)}",
            f"sqrt({rng.randint(2, 99)})",
            f"{rng.randint(2, 9)}*{rng.randint(2, 9)}+{rng.randint(1, 9)}",
        ]
    )


def ocr_crops(
    n_copies: int, seed: int = 11, dpi: float = 200
) -> list[tuple[ocr.AnswerKind, str, str, Image.Image]]:
    """Generate, fake-scan, align and cut out answer regions: (kind, truth, font, region)."""
    kinds = WRITTEN_KINDS
    regions = [
        Region(f"{k.value}-{j}", 1, 0.1 + 0.45 * j, 0.2 + 0.16 * i, 0.5 + 0.45 * j, 0.27 + 0.16 * i)
        for i, k in enumerate(kinds)
        for j in range(2)
    ]
    template = render_template("OCR benchmark", regions)
    pdf = make_copies(template, exam_code="OCR", copies=n_copies)
    rng = random.Random(seed)
    answers = {
        (c, r.label): _answer(ocr.AnswerKind(r.label.split("-")[0]), rng)
        for c in range(1, n_copies + 1)
        for r in regions
    }
    scan = fake_scan(
        pdf, answers, regions, seed=seed, dpi=dpi, defects=ScanDefects(dropped=0, duplicated=0)
    )
    fonts = {t.copy: t.font for t in scan.manifest.texts}
    crops = []
    for p in iter_pages(scan.pdf):
        read = decode_page(p.image, reduced=p.reduced())
        assert read.payload is not None
        page = align_page(p.image, rotation=read.rotation, qr_angle_deg=read.angle_deg).image
        for r in regions:
            crops.append(
                (
                    ocr.AnswerKind(r.label.split("-")[0]),
                    answers[read.payload.copy, r.label],
                    fonts[read.payload.copy],
                    crop_region(page, r.box, inset=0.006),
                )
            )
    return crops


OcrConfigs = dict[str, tuple[dict[ocr.AnswerKind, ocr.TranscriptionEngine], bool]]


def _ocr_configs(kinds: Sequence[ocr.AnswerKind]) -> OcrConfigs:
    """The installed engines as compared: name -> (engine per answer kind, tight ink crop)."""
    configs: OcrConfigs = {}
    if ocr.tesseract_available():
        digits = ocr.TesseractEngine(whitelist="0123456789.-")
        whitelisted: dict[ocr.AnswerKind, ocr.TranscriptionEngine] = {
            ocr.AnswerKind.INTEGER: digits,
            ocr.AnswerKind.DECIMAL: digits,
            ocr.AnswerKind.SHAPE: ocr.TesseractEngine(whitelist="0123456789x "),
            ocr.AnswerKind.EXPRESSION: ocr.TesseractEngine(),
        }
        configs["tesseract 5.3 (Debian), --psm 7, whitelist for int/dec/shape, ink crop"] = (
            whitelisted,
            True,
        )
        configs["tesseract 5.3 (Debian), --psm 7, no whitelist, ink crop"] = (
            dict.fromkeys(kinds, ocr.TesseractEngine()),
            True,
        )
    if ocr.rapidocr_available():
        rec = ocr.RapidOcrRecogniser()
        rec.transcribe(Image.new("L", (64, 32), 255))  # load the model outside the timing
        configs["rapidocr-onnxruntime 1.4.4, recogniser only, tight ink crop"] = (
            dict.fromkeys(kinds, rec),
            True,
        )
        configs["rapidocr-onnxruntime 1.4.4, recogniser only, whole region crop"] = (
            dict.fromkeys(kinds, rec),
            False,
        )
    return configs


def bench_ocr(quick: bool) -> str:
    crops = ocr_crops(4 if quick else 38)
    kinds = WRITTEN_KINDS
    configs = _ocr_configs(kinds)
    rows = []
    font_rows = []
    notes = []
    for cname, (per_kind, tight) in configs.items():
        hits: dict[object, int] = defaultdict(int)
        total: dict[object, int] = defaultdict(int)
        form_flagged = form_wrong = confident_wrong = 0
        t = 0.0
        examples: list[str] = []
        for kind, truth, font, region in crops:
            total[kind] += 1
            total[font, kind] += 1
            crop = ocr.ink_crop(region) if tight else region
            if crop is None:
                continue
            t0 = time.perf_counter()
            res = per_kind[kind].transcribe(crop)
            t += time.perf_counter() - t0
            ok = ocr.canonical(res.text, kind) == ocr.canonical(truth, kind)
            hits[kind] += ok
            hits[font, kind] += ok
            if kind in (ocr.AnswerKind.INTEGER, ocr.AnswerKind.DECIMAL) and not ok:
                form_wrong += 1
                form_flagged += not ocr.check_form(res.text, kind).ok
            if not ok and res.confidence >= 0.9:
                confident_wrong += 1
                if len(examples) < 5:
                    examples.append(f"{truth!r} read {res.text!r} at {res.confidence:.2f}")
        notes.append(
            f"- {cname}: {confident_wrong} wrong reads at confidence >= 0.9, e.g. {'; '.join(examples) or '-'}"
        )
        rows.append(
            [cname]
            + [f"{hits[k] / max(total[k], 1):.0%}" for k in kinds]
            + [f"{form_flagged}/{form_wrong}", f"{t / len(crops) * 1000:.0f}"]
        )
        for font in sorted({c[2] for c in crops}):
            font_rows.append(
                [
                    cname.split(",")[0]
                    + ", "
                    + cname.split(", ")[-2].split(",")[0]
                    + (", ink crop" if tight else ", region"),
                    font,
                ]
                + [f"{hits[font, k]}/{total[font, k]}" for k in kinds]
            )
    n = sum(1 for c in crops if c[0] is ocr.AnswerKind.INTEGER)
    return (
        f"### OCR of fake-handwritten answers ({len(crops)} crops, {n} per kind, 200 dpi)\n\n"
        + _table(
            [
                "engine",
                "int",
                "dec",
                "shape",
                "math",
                "int/dec errors flagged by check_form",
                "ms per crop",
            ],
            rows,
        )
        + "\n\nBy font (correct/total):\n\n"
        + _table(["engine", "font", "int", "dec", "shape", "math"], font_rows)
        + "\n\n"
        + "\n".join(notes)
    )


SECTIONS = {
    "copies": bench_copies,
    "pdf": bench_pdf,
    "qr": bench_qr,
    "align": bench_align,
    "ocr": bench_ocr,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer pages and crops")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    args = parser.parse_args()
    for name in args.only or list(SECTIONS):
        print(SECTIONS[name](args.quick), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
