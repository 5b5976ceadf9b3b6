"""How long one fix plan takes on CPU: population x horizon x hidden size -> ms per plan.

Run: ``nice .venv/bin/python tests/bench/bench_planner.py [--repeats 30] [--threads 1]``.

The planner uses every rule of ``PatternMatcher().rule_names`` (state and action sizes
grow with them). The worst case is timed: a file where ``--movable`` rules have fixable
problems, categorical CEM forced (``search="cem"``), and a model whose rewards make long
plans attractive, so each of the ``iterations`` rounds simulates all ``horizon`` steps.
The typical case is a file with 3 fixable rules, where ``search="auto"`` scores all 16
possible plans in one batch. For comparison, the same CEM through
:meth:`models.ModelEnv.objective` (all members on every row, sampling) is timed too.
Target: <= 10 ms for population 256, horizon 8, 5 iterations, 5 members.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch

from models import GaussianEnsemble, ModelEnv, ReplayBuffer
from models.learning import train_dynamics
from patterns import PatternMatcher
from planning import CategoricalCEMOptimizer, FixPlanner, StateLayout


def _file(rules: tuple[str, ...], fixable: dict[str, int]) -> tuple[dict[str, int],
                                                                    dict[str, float]]:
    features = {"size_chars": 2000.0, "lines": 60.0, "syntax_nodes": 900.0,
                "syntax_max_depth": 12.0, "syntax_functions": 8.0}
    return dict(fixable), features


def _model(layout: StateLayout, hidden: int, layers: int, seed: int) -> GaussianEnsemble:
    """A model of a world where every fix is welcome (+1 each): long plans look good."""
    rng = np.random.default_rng(seed)
    replay = ReplayBuffer(600, (layout.size,), (), action_dtype=np.int64)
    rules = layout.rule_names
    for _ in range(600):
        counts = {rule: int(rng.integers(0, 4)) for rule in rules}
        action = int(rng.integers(1, layout.num_actions))
        after = dict(counts)
        after[rules[action - 1]] = 0
        problems, features = _file(rules, counts)
        p2, f2 = _file(rules, after)
        replay.add(layout.vector(problems, features, counts), np.int64(action),
                   layout.vector(p2, f2, after), float(counts[rules[action - 1]]), False)
    model, _ = train_dynamics(replay, num_actions=layout.num_actions, hidden_size=hidden,
                              num_layers=layers, epochs=15, patience=15, seed=seed)
    return model


def _time(fn: object, repeats: int) -> tuple[float, float, float]:
    """(median wall ms, p95 wall ms, median CPU ms of this process). CPU time is what
    the plan costs when the cores are shared: wall time then includes waiting."""
    assert callable(fn)
    for _ in range(3):
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - started) * 1000.0)
        cpu.append((time.process_time() - cpu_started) * 1000.0)
    return statistics.median(wall), float(np.percentile(wall, 95)), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--movable", type=int, default=10,
                        help="rules with fixable problems in the worst-case file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rules = PatternMatcher().rule_names
    layout = StateLayout(rules)
    movable = {rule: 2 for rule in rules[: args.movable]}
    typical = {rule: 2 for rule in rules[:3]}
    reliabilities = dict.fromkeys(rules, 0.9)
    print(f"{len(rules)} rules: state size {layout.size}, actions {layout.num_actions}; "
          f"torch threads {args.threads}; worst case: {len(movable)} fixable rules; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores\n")
    header = (f"{'population':>10} | {'horizon':>7} | {'hidden':>6} | {'layers':>6} | "
              f"{'worst ms':>8} | {'worst p95':>9} | {'worst cpu ms':>12} | "
              f"{'typical ms':>10} | {'typical cpu':>11} | source")
    print(header)
    print("-" * len(header))
    models: dict[tuple[int, int], GaussianEnsemble] = {}
    for hidden, layers in ((32, 2), (64, 2), (200, 4)):
        models[(hidden, layers)] = _model(layout, hidden, layers, seed=0)
    grid = [(256, 8, 32, 2), (128, 8, 32, 2), (512, 8, 32, 2), (256, 4, 32, 2),
            (256, 16, 32, 2), (256, 8, 64, 2), (256, 8, 200, 4)]
    for population, horizon, hidden, layers in grid:
        model = models[(hidden, layers)]
        results = []
        for search, fixable in (("cem", movable), ("auto", typical)):
            planner = FixPlanner(rules, population=population, horizon=horizon, iterations=5,
                                 min_transitions=0, deadline_ms=1e9, search=search)  # type: ignore[arg-type]
            planner.set_model(model, transitions=600, experience=dict.fromkeys(rules, 600))
            problems, features = _file(rules, fixable)
            decisions: list[object] = []

            def plan(planner: FixPlanner = planner, problems: dict[str, int] = problems,
                     features: dict[str, float] = features,
                     fixable: dict[str, int] = fixable, out: list[object] = decisions) -> None:
                out.append(planner.plan(problems, features, reliabilities, fixable))

            results.append((_time(plan, args.repeats), decisions[-1]))
        (worst, p95, worst_cpu), decision = results[0]
        (typical_ms, _, typical_cpu), _ = results[1]
        print(f"{population:>10} | {horizon:>7} | {hidden:>6} | {layers:>6} | {worst:>8.2f} | "
              f"{p95:>9.2f} | {worst_cpu:>12.2f} | {typical_ms:>10.2f} | {typical_cpu:>11.2f} | "
              f"{decision.source} ({len(decision.rules)} rules)")  # type: ignore[attr-defined]

    # The same CEM through ModelEnv, for comparison.
    model = models[(32, 2)]
    state = torch.from_numpy(layout.vector(*_file(rules, movable), movable))
    env = ModelEnv(model, num_actions=layout.num_actions, deterministic=True, seed=0)
    local = torch.tensor([0] + [layout.action_id(rule) for rule in movable])
    optimizer = CategoricalCEMOptimizer(5, 0.1, 256, len(local), 0.1, min_prob=0.01, seed=0)
    objective = env.objective(state)

    def through_model_env() -> None:
        with torch.inference_mode():
            optimizer.optimize(lambda population: objective(local[population]), 8)

    median, p95, cpu = _time(through_model_env, max(5, args.repeats // 3))
    print(f"\nsame CEM (256 x 8, hidden 32, 2 layers) through ModelEnv.objective: "
          f"median {median:.1f} ms, p95 {p95:.1f} ms, cpu {cpu:.1f} ms")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
