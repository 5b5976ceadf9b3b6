"""Continuous CEM through the ensemble on each device: ms per plan, CPU against GPU.

Run: ``.venv/bin/python tests/bench/bench_planner_device.py [--devices cpu,cuda]``.

The fix planner runs on the CPU (its plans are tiny, see ``bench_planner.py``); this
bench times the other planner the design names, PETS-style model-predictive control:
:class:`planning.CEMOptimizer` over :meth:`models.ModelEnv.objective` with a
Pendulum-sized ensemble (state 3, action 1, PETS's 200 x 4 hidden layers, 5 members,
``fixed_model`` propagation, sampled next states), 5 CEM iterations. Each row is one
plan; rows = population x particles simulated for every horizon step. The model is
untrained (random weights, fitted normalisers): the arithmetic is the same as a trained
one's. A device column is skipped where its work would exceed ``--cpu-budget`` rows x
steps (the CPU on large grids) and shown as ``-``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from models import GaussianEnsemble, ModelEnv
from planning import CEMOptimizer

_OBS, _ACT = 3, 1


def _pendulum_reward(obs: torch.Tensor, actions: torch.Tensor, _next: torch.Tensor) -> torch.Tensor:
    """obs B x 3 (cos, sin, velocity), actions B x 1 -> B: Pendulum-v1's cost, negated."""
    angle = torch.atan2(obs[:, 1], obs[:, 0])
    return -(angle.pow(2) + 0.1 * obs[:, 2].pow(2) + 0.001 * actions[:, 0].pow(2))


def _model(device: torch.device, hidden: int, layers: int) -> GaussianEnsemble:
    model = GaussianEnsemble(_OBS + _ACT, _OBS, hidden_size=hidden, num_layers=layers,
                             ensemble_size=5, device=device, seed=0)
    generator = torch.Generator().manual_seed(0)
    model.input_normalizer.fit(torch.randn(256, _OBS + _ACT, generator=generator))
    model.target_normalizer.fit(0.1 * torch.randn(256, _OBS, generator=generator))
    return model.eval()


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _plan_ms(device: torch.device, model: GaussianEnsemble, population: int, horizon: int,
             particles: int, repeats: int) -> float:
    """Median wall ms of one 5-iteration CEM plan on ``device``."""
    env = ModelEnv(model, reward_fn=_pendulum_reward, seed=0)
    lower = torch.full((_ACT,), -2.0, device=device)
    upper = torch.full((_ACT,), 2.0, device=device)
    optimizer = CEMOptimizer(5, 0.1, population, lower, upper, alpha=0.1, device=device)
    x0 = torch.zeros(horizon, _ACT, device=device)
    objective = env.objective(torch.tensor([1.0, 0.0, 0.0]), num_particles=particles)
    timings = []
    with torch.inference_mode():
        for attempt in range(repeats + 2):  # two warm-ups (allocator, kernels)
            _sync(device)
            started = time.perf_counter()
            optimizer.optimize(objective, x0)
            _sync(device)
            if attempt >= 2:
                timings.append((time.perf_counter() - started) * 1e3)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    default_devices = "cpu,cuda" if torch.cuda.is_available() else "cpu"
    parser.add_argument("--devices", default=default_devices,
                        help=f"comma-separated torch devices (default here: {default_devices})")
    parser.add_argument("--populations", default="500,2000,10000")
    parser.add_argument("--horizons", default="15,30")
    parser.add_argument("--particles", type=int, default=20)
    parser.add_argument("--hidden", type=int, default=200)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    parser.add_argument("--cpu-budget", type=float, default=2e5,
                        help="largest rows x horizon run on the CPU (default 2e5)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = [torch.device(name) for name in args.devices.split(",")]
    for device in devices:
        if device.type == "cuda" and not torch.cuda.is_available():
            parser.error("--devices names cuda but torch sees no CUDA device")
    names = {d: (torch.cuda.get_device_name(d) if d.type == "cuda" else "cpu") for d in devices}
    print(f"torch {torch.__version__}; CPU threads {torch.get_num_threads()} of "
          f"{os.cpu_count()} cores; devices: {', '.join(names.values())}; ensemble 5 x "
          f"{args.layers} x {args.hidden}; {args.particles} particles; 5 CEM iterations")
    models = {d: _model(d, args.hidden, args.layers) for d in devices}
    columns = "".join(f" | {d.type + ' ms':>10}" for d in devices)
    speedup = " | cpu/gpu" if len({d.type for d in devices}) > 1 else ""
    header = f"{'population':>10} | {'horizon':>7} | {'rows':>7}{columns}{speedup}"
    print(header)
    print("-" * len(header))
    for population in (int(p) for p in args.populations.split(",")):
        for horizon in (int(h) for h in args.horizons.split(",")):
            rows = population * args.particles
            row = f"{population:>10} | {horizon:>7} | {rows:>7}"
            timings: dict[str, float] = {}
            for device in devices:
                if device.type == "cpu" and rows * horizon > args.cpu_budget:
                    row += f" | {'-':>10}"
                    continue
                ms = _plan_ms(device, models[device], population, horizon, args.particles,
                              args.repeats)
                timings[device.type] = ms
                row += f" | {ms:>10.1f}"
            if speedup:
                ratio = (f"{timings['cpu'] / timings['cuda']:.1f}x"
                         if "cpu" in timings and "cuda" in timings else "-")
                row += f" | {ratio:>7}"
            print(row, flush=True)


if __name__ == "__main__":
    main()
