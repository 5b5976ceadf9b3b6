"""Throughput of the bundled MiniLM encoder at 128 tokens, per precision and batch size.

Run: ``.venv/bin/python tests/bench/bench_encoder.py [--device cpu|cuda] [--repeats 5]``.
Prints one row per (precision, batch size) and each precision's agreement with fp32
(cosine of the embeddings). Precisions: ``fp32`` and ``int8`` (dynamic quantisation,
CPU only) by default on a CPU, ``fp32``, ``fp16`` and ``bf16`` on a GPU. ``--model``
takes another local model folder (e.g. a copy of MiniLM carried to a GPU machine).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from models import CodeEncoder

_PRECISIONS: dict[str, dict[str, object]] = {
    "fp32": {},
    "int8": {"quantize": True},
    "fp16": {"dtype": "float16"},
    "bf16": {"dtype": "bfloat16"},
}
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
    parser.add_argument("--model", default=None, help="local model folder (default: MiniLM)")
    parser.add_argument("--precisions", default=None,
                        help="comma-separated of fp32,int8,fp16,bf16 (default by device)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    sizes = [int(s) for s in args.batch_sizes.split(",")]

    cpu = torch.device(args.device).type == "cpu"
    wanted = (args.precisions or ("fp32,int8" if cpu else "fp32,fp16,bf16")).split(",")
    unknown = set(wanted) - set(_PRECISIONS)
    if unknown or "fp32" not in wanted:
        parser.error(f"--precisions takes fp32 and any of {sorted(_PRECISIONS)}, got {wanted}")
    if "int8" in wanted and not cpu:
        parser.error("int8 (dynamic quantisation) runs on the CPU only")
    encoders = {
        name: CodeEncoder(args.model, max_length=args.tokens, device=args.device,
                          **_PRECISIONS[name])
        for name in wanted
    }
    texts = _texts(max(sizes), args.tokens, encoders["fp32"])
    gpu = f" ({torch.cuda.get_device_name()})" if torch.device(args.device).type == "cuda" else ""
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"device {args.device}{gpu}, model {encoders['fp32'].model_name_or_path}")
    print(f"{'precision':>9} {'batch':>5} {'ms/batch':>9} {'ms/text':>8} {'texts/s':>8}")
    for name, encoder in encoders.items():
        for size in sizes:
            encoder.batch_size = size
            median = statistics.median(_time_batches(encoder, texts[:size], args.repeats))
            print(
                f"{name:>9} {size:>5} {median * 1e3:>9.1f} {median * 1e3 / size:>8.2f} "
                f"{size / median:>8.1f}", flush=True
            )
    full = encoders["fp32"].encode(texts)
    for name, encoder in encoders.items():
        if name != "fp32":
            cosine = (full * encoder.encode(texts)).sum(axis=1)
            print(f"{name} vs fp32 cosine: min {cosine.min():.4f}, mean {np.mean(cosine):.4f}")


if __name__ == "__main__":
    main()
