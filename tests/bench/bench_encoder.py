"""Throughput of the bundled MiniLM encoder: batch 1/16/64 at 128 tokens, fp32 vs int8.

Run: ``.venv/bin/python tests/bench/bench_encoder.py [--device cpu] [--repeats 5]``.
Prints one row per (precision, batch size) and the agreement of int8 with fp32.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from models import CodeEncoder

_LINE = "const value{i} = items.filter((item) => item.size > {i}).map((item) => item.name);"


def _texts(count: int, min_tokens: int, encoder: CodeEncoder) -> list[str]:
    """count distinct code snippets, each at least ``min_tokens`` tokens long."""
    texts = []
    for k in range(count):
        lines: list[str] = []
        while len(encoder.tokenizer("\n".join(lines))["input_ids"]) < min_tokens:
            lines.append(_LINE.format(i=k * 100 + len(lines)))
        texts.append("\n".join(lines))
    return texts


def _time_batches(encoder: CodeEncoder, texts: list[str], repeats: int) -> list[float]:
    encoder.encode(texts)  # warm-up
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        encoder.encode(texts)
        timings.append(time.perf_counter() - start)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-sizes", default="1,16,64")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    sizes = [int(s) for s in args.batch_sizes.split(",")]

    encoders = {
        "fp32": CodeEncoder(max_length=args.tokens, device=args.device),
        "int8": CodeEncoder(max_length=args.tokens, device=args.device, quantize=True),
    }
    texts = _texts(max(sizes), args.tokens, encoders["fp32"])
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, device {args.device}")
    print(f"{'precision':>9} {'batch':>5} {'ms/batch':>9} {'ms/text':>8} {'texts/s':>8}")
    for name, encoder in encoders.items():
        if name == "int8" and not encoder.quantized:
            print(f"{name:>9}  (quantisation only runs on CPU; skipped)")
            continue
        for size in sizes:
            encoder.batch_size = size
            median = statistics.median(_time_batches(encoder, texts[:size], args.repeats))
            print(
                f"{name:>9} {size:>5} {median * 1e3:>9.1f} {median * 1e3 / size:>8.2f} "
                f"{size / median:>8.1f}"
            )
    if encoders["int8"].quantized:
        full = encoders["fp32"].encode(texts)
        quantized = encoders["int8"].encode(texts)
        cosine = (full * quantized).sum(axis=1)
        print(f"int8 vs fp32 cosine: min {cosine.min():.4f}, mean {np.mean(cosine):.4f}")


if __name__ == "__main__":
    main()
