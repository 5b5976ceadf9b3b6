"""The fix task: a learned FixPlanner against the greedy plan and an oracle, with
simulated users who accept or reject each streamed fix.

Run: ``nice .venv/bin/python tests/bench/bench_fix_task.py [--events 800] [--eval 300]
[--seed 0]``.

Each event is a generated JavaScript file with several problem kinds (templates for
every rule ``PatternMatcher().rule_names`` offers that this script knows; rules it
does not know simply get no problems). Fixes are applied by the real pattern engine
through :meth:`planning.FixPlanner.execute`. A simulated user judges every applied
fix: accepted with a hidden probability that depends on the rule and on the file
(context: its length), rejected otherwise. The planner records each step with the
realised reward (accepted - rejected - failed), a ReliabilityBook learns per-rule
acceptance, and the model is retrained every ``--train-every`` events.

Score of a plan on a file: expected net accepted fixes = sum over its applied fixes
of ``p - (1 - p)`` with the true acceptance ``p`` (risk weight 1), minus failed
verifications. Policies compared on held-out files:

- ``learned``: the FixPlanner (model plans, greedy fallback), reliabilities from the book;
  while learning it explores by Thompson sampling (``plan(explore=True)``: each plan
  is searched with one ensemble member drawn at random); evaluated without exploring;
- ``greedy``: every fixable rule, most reliable first (what the stream does today);
- ``greedy+book``: greedy over the rules whose learned acceptance is >= 0.5;
- ``oracle``: exhaustive search over fix sequences with the true acceptance.

Targets: learned >= 90% of the oracle, and above greedy.

``--embedding minilm`` gives the learned planner what the stream gives it when the
code encoder keeps up: the bundled MiniLM's embedding of each file's head (the region
the stream embeds without a previous revision), projected into ``--embedding-dims``
state slots. The simulated users' acceptance depends on the file's length, which the
structural features already hold, so this measures that the extra context costs
nothing, not that it helps.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from models import CodeEncoder, ReliabilityBook, region_for_change
from patterns import PatternMatcher
from planning import FixPlanner, PlanDecision, StateLayout, greedy_plan, observe_code
from planning.fix_execution import run_step

Template = Callable[[int, np.random.Generator], str]

#: One block of code with one problem of the rule (``{i}`` makes names unique).
TEMPLATES: dict[str, list[str]] = {
    "no-spaced-equals": ["const e{i} = read({i});\nif (e{i} = = {i}) {{\n  log(e{i});\n}}\n"],
    "prefer-const": ["let p{i} = compute({i});\nlog(p{i});\n"],
    "no-var": ["var w{i} = {i};\nw{i} += 1;\nlog(w{i});\n", "var x{i} = {i};\nlog(x{i});\n"],
    "no-lonely-if": [
        "if (a{i}) {{\n  first();\n}} else {{\n  if (b{i}) {{\n    second();\n  }}\n}}\n"
    ],
    "no-useless-computed-key": ["const o{i} = {{ ['k{i}']: {i} }};\nlog(o{i});\n"],
    "no-useless-rename": ["const {{ a{i}: a{i} }} = obj;\nlog(a{i});\n"],
    "no-extra-bind": ["const f{i} = function () {{ return {i}; }}.bind(this);\nlog(f{i});\n"],
    "prefer-template": ["const s{i} = 'item ' + name{i};\nlog(s{i});\n"],
    "eqeqeq": ["if (typeof q{i} == 'string') {{\n  log(q{i});\n}}\n"],
    "dot-notation": ["log(config['key{i}']);\n"],
    "yoda": ["if ({i} === y{i}) {{\n  log(y{i});\n}}\n"],
    "operator-assignment": [
        "const z{i} = start();\nlet t{i} = z{i};\nt{i} = t{i} + {i};\nlog(t{i});\n"
    ],
    "prefer-exponentiation-operator": ["const m{i} = Math.pow(base, {i});\nlog(m{i});\n"],
    "no-undef-init": ["let u{i} = undefined;\nu{i} = read({i});\nlog(u{i});\n"],
    "no-unneeded-ternary": ["const b{i} = flag{i} ? true : false;\nlog(b{i});\n"],
    "arrow-body-style": ["const g{i} = () => {{\n  return {i};\n}};\nlog(g{i});\n"],
    "no-useless-return": ["function h{i}() {{\n  work({i});\n  return;\n}}\nh{i}();\n"],
    "no-regex-spaces": ["const r{i} = /a   b{i}/;\nlog(r{i});\n"],
    "prefer-numeric-literals": ["const n{i} = parseInt('101', 2) + {i};\nlog(n{i});\n"],
}
FILLER = [
    "function k{i}(x) {{\n  return x * {i};\n}}\n",
    "const c{i} = k(read({i}));\nlog(c{i});\n",
    "for (const item of list{i}) {{\n  handle(item, {i});\n}}\n",
    "export const value{i} = compute({i}) + offset;\n",
]

SMALL_FILE_LINES = 30


def acceptance(rule: str, lines: int) -> float:
    """The users' hidden probability of accepting one fix of ``rule`` in a file of
    ``lines`` lines."""
    if rule == "prefer-const":  # welcome in small files, churn in big legacy ones
        return 0.9 if lines <= SMALL_FILE_LINES else 0.15
    if rule in ("prefer-template", "arrow-body-style"):  # the team's style says no
        return 0.3
    if rule == "no-spaced-equals":
        return 0.97
    return 0.85


def make_file(rng: np.random.Generator, rules: tuple[str, ...]) -> str:
    """A parseable-unless-typo JS file of 6-25 or 35-90 lines with several problems."""
    small = rng.random() < 0.5
    target = int(rng.integers(6, 26) if small else rng.integers(35, 91))
    blocks: list[str] = []
    counter = iter(range(1, 10_000))
    known = [rule for rule in rules if rule in TEMPLATES and rule != "no-spaced-equals"]
    weights = np.array([3.0 if rule == "prefer-const" else 1.0 for rule in known])
    kinds = min(int(rng.integers(1, 5)), len(known))
    chosen: list[str] = (
        [str(rule) for rule in rng.choice(known, size=kinds, replace=False,
                                          p=weights / weights.sum())]
        if kinds else []
    )
    for rule in chosen:
        count = int(rng.integers(1, 4 if small else 7))
        for _ in range(count):
            template = TEMPLATES[rule][int(rng.integers(len(TEMPLATES[rule])))]
            blocks.append(template.format(i=next(counter)))
    if "no-spaced-equals" in rules and rng.random() < 0.3:
        blocks.append(TEMPLATES["no-spaced-equals"][0].format(i=next(counter)))
    while sum(block.count("\n") for block in blocks) < target:
        blocks.append(FILLER[int(rng.integers(len(FILLER)))].format(i=next(counter)))
    order = rng.permutation(len(blocks))
    return "".join(blocks[k] for k in order)


def verdicts(seed: int, event: int, rule: str, count: int, p: float) -> int:
    """How many of ``count`` fixes the user accepts (common random numbers: the same
    event, rule and fix index always draw the same number, whatever the policy)."""
    draws = np.random.default_rng([seed, event, sum(map(ord, rule)), count]).random(count)
    return int((draws < p).sum())


@dataclass
class Outcome:
    fixes: int = 0
    expected_accepted: float = 0.0
    expected_rejected: float = 0.0
    failed: int = 0
    accepted: int = 0
    rejected: int = 0

    @property
    def expected_net(self) -> float:
        return self.expected_accepted - self.expected_rejected - self.failed

    @property
    def net(self) -> int:
        return self.accepted - self.rejected - self.failed

    def add(self, other: Outcome) -> None:
        for name in ("fixes", "expected_accepted", "expected_rejected", "failed", "accepted",
                     "rejected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def score_fixes(rules_applied: Counter[str], failed: int, lines: int, seed: int,
                event: int) -> Outcome:
    outcome = Outcome(failed=failed)
    for rule, count in rules_applied.items():
        p = acceptance(rule, lines)
        outcome.fixes += count
        outcome.expected_accepted += count * p
        outcome.expected_rejected += count * (1 - p)
        accepted = verdicts(seed, event, rule, count, p)
        outcome.accepted += accepted
        outcome.rejected += count - accepted
    return outcome


class Oracle:
    """Exhaustive search over sequences of rule applications with the true acceptance,
    executed like the planner's (same verification: a step that fails it is reverted):
    V(code) = max(0, max over rules r with a fix: gain(code, r) + V(code after r))."""

    def __init__(self, matcher: PatternMatcher, layout: StateLayout, max_depth: int = 12) -> None:
        self.matcher = matcher
        self.layout = layout
        self.max_depth = max_depth

    def best(self, code: str, lines: int) -> tuple[float, list[str], Counter[str], int]:
        """(value, plan, applied fixes per rule, failed fixes) of the best sequence."""
        memo: dict[str, tuple[float, list[str], Counter[str], int]] = {}
        no_context = np.zeros(0, np.float32)

        def value(text: str, depth: int) -> tuple[float, list[str], Counter[str], int]:
            if text in memo:
                return memo[text]
            result: tuple[float, list[str], Counter[str], int] = (0.0, [], Counter(), 0)
            before = observe_code(self.matcher, text, "javascript")
            if depth < self.max_depth:
                for rule in sorted(r for r, n in before.fixable.items() if n > 0):
                    if rule not in self.layout.rule_names:
                        continue
                    fixed, _, step = run_step(
                        self.matcher, text, "javascript", rule, before, self.layout,
                        rules=None, min_reliability=0.0, reliability=1.0, context=no_context,
                        risk_weight=1.0, failure_penalty=1.0)
                    if fixed == text:
                        continue
                    gain = sum(2 * acceptance(f.rule, lines) - 1 for f in step.applied)
                    gain -= step.failed
                    rest, plan, counts, failed = value(fixed, depth + 1)
                    if gain + rest > result[0] + 1e-9:
                        applied = Counter(f.rule for f in step.applied) + counts
                        result = (gain + rest, [rule, *plan], applied, step.failed + failed)
            memo[text] = result
            return result

        return value(code, 0)


def run_policy(planner: FixPlanner, matcher: PatternMatcher, code: str,
               decision: PlanDecision | list[str], reliabilities: dict[str, float],
               min_reliability: float = 0.0, embedding: np.ndarray | None = None
               ) -> tuple[Counter[str], int]:
    result = planner.execute(matcher, code, "javascript", decision, record=False,
                             reliabilities=reliabilities, min_reliability=min_reliability,
                             embedding=embedding)
    return Counter(fix.rule for fix in result.applied), result.failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=800, help="training events")
    parser.add_argument("--eval", type=int, default=300, help="held-out evaluation events")
    parser.add_argument("--train-every", type=int, default=100)
    parser.add_argument("--explore", choices=["thompson", "epsilon", "none"], default="thompson",
                        help="exploration while learning: plan with one random ensemble "
                        "member (thompson), or run the greedy plan on --epsilon of the events")
    parser.add_argument("--epsilon", type=float, default=0.1)
    parser.add_argument("--min-transitions", type=int, default=300)
    parser.add_argument("--threshold", type=float, default=0.5,
                        help="disagreement threshold of the planner")
    parser.add_argument("--deadline-ms", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--embedding", choices=["none", "minilm"], default="none",
                        help="plan with the bundled MiniLM's embedding of each file")
    parser.add_argument("--embedding-dims", type=int, default=8,
                        help="state slots for the embedding (with --embedding minilm)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(args.seed)
    matcher = PatternMatcher()
    rules = matcher.rule_names
    templated = [rule for rule in rules if rule in TEMPLATES]
    print(f"{len(rules)} rules in the matcher, {len(templated)} with templates here: "
          f"{', '.join(templated)}", flush=True)
    encoder = CodeEncoder(device="cpu") if args.embedding == "minilm" else None

    def embed(code: str) -> np.ndarray | None:
        return None if encoder is None else encoder.encode([region_for_change(None, code)])[0]

    planner = FixPlanner(rules, min_transitions=args.min_transitions, seed=args.seed,
                         disagreement_threshold=args.threshold, deadline_ms=args.deadline_ms,
                         embedding_dims=args.embedding_dims if encoder is not None else 0)
    print(f"state size {planner.layout.size}, actions {planner.layout.num_actions}", flush=True)
    book = ReliabilityBook(matcher.reliabilities, prior_strength=10)

    # ------------------------------------------------------------------ online learning
    started = time.perf_counter()
    block, greedy_block = Outcome(), Outcome()
    block_sources: Counter[str] = Counter()
    curve: list[tuple[int, float, float, float, str]] = []
    cold = FixPlanner(rules)  # executes baseline plans (greedy replans, no model)
    for event in range(args.events):
        code = make_file(rng, rules)
        lines = code.count("\n") + 1
        obs = observe_code(matcher, code, "javascript")
        means = book.means()
        thompson = args.explore == "thompson"
        embedding = embed(code)
        decision = planner.plan(obs.problems, obs.features, means, obs.fixable, embedding,
                                explore=thompson)
        explore = (args.explore == "epsilon" and not planner.is_cold
                   and rng.random() < args.epsilon)
        run: PlanDecision | list[str] = decision.greedy if explore else decision
        block_sources["explore" if explore else (decision.reason or decision.source)] += 1
        result = planner.execute(matcher, code, "javascript", run, record=False,
                                 reliabilities=means, explore=thompson, embedding=embedding)
        for step in result.steps:
            count = len(step.applied)
            p = acceptance(step.rule, lines)
            accepted = verdicts(args.seed, event, step.rule, count, p)
            for k in range(count):
                book.update(step.rule, k < accepted)
            planner.record(step, accepted=accepted, rejected=count - accepted)
        block.add(score_fixes(Counter(f.rule for f in result.applied), result.failed, lines,
                              args.seed, event))
        greedy = greedy_plan(obs.problems, obs.features, matcher.reliabilities, obs.fixable,
                             rules)  # what the stream would have done with the same file
        applied, failed = run_policy(cold, matcher, code, greedy, matcher.reliabilities)
        greedy_block.add(score_fixes(applied, failed, lines, args.seed, event))
        if (event + 1) % args.train_every == 0:
            trained = ""
            if len(planner.replay) >= args.min_transitions:
                fit_started = time.perf_counter()
                log = planner.fit()
                trained = (f"trained on {len(planner.replay)} transitions in "
                           f"{time.perf_counter() - fit_started:.1f}s "
                           f"(val mse {min(log.val_scores):.4f})")
            mix = ", ".join(f"{k} {v}" for k, v in sorted(block_sources.items()))
            per_event = block.expected_net / args.train_every
            greedy_per_event = greedy_block.expected_net / args.train_every
            curve.append((event + 1, per_event, block.net / args.train_every, greedy_per_event,
                          mix))
            print(f"events {event + 1:5d}: expected net/event {per_event:6.3f} "
                  f"(greedy {greedy_per_event:6.3f})  [{mix}]  {trained}", flush=True)
            block, greedy_block, block_sources = Outcome(), Outcome(), Counter()
    train_seconds = time.perf_counter() - started

    # ------------------------------------------------------------------ evaluation
    eval_rng = np.random.default_rng(args.seed + 10_000)
    means = book.means()
    book_matcher = PatternMatcher(reliabilities=means)
    oracle = Oracle(matcher, StateLayout(planner.layout.rule_names))
    totals = {name: Outcome() for name in ("learned", "greedy", "greedy+book", "oracle")}
    reasons: Counter[str] = Counter()
    plan_ms: list[float] = []
    uncertainties: list[float] = []
    beats = ties = 0
    for index in range(args.eval):
        event = 1_000_000 + index
        code = make_file(eval_rng, rules)
        lines = code.count("\n") + 1
        obs = observe_code(matcher, code, "javascript")
        embedding = embed(code)
        decision = planner.plan(obs.problems, obs.features, means, obs.fixable, embedding)
        reasons[decision.reason or "model"] += 1
        plan_ms.append(decision.elapsed_ms)
        if decision.uncertainty is not None:
            uncertainties.append(decision.uncertainty)
        applied, failed = run_policy(planner, matcher, code, decision, means, embedding=embedding)
        learned = score_fixes(applied, failed, lines, args.seed, event)
        totals["learned"].add(learned)
        greedy = greedy_plan(obs.problems, obs.features, matcher.reliabilities, obs.fixable,
                             rules)
        applied, failed = run_policy(cold, matcher, code, greedy, matcher.reliabilities)
        greedy_outcome = score_fixes(applied, failed, lines, args.seed, event)
        totals["greedy"].add(greedy_outcome)
        booked = greedy_plan(obs.problems, obs.features, means, obs.fixable, rules, 0.5)
        applied, failed = run_policy(cold, book_matcher, code, booked, means, 0.5)
        totals["greedy+book"].add(score_fixes(applied, failed, lines, args.seed, event))
        _, _, applied, failed = oracle.best(code, lines)
        totals["oracle"].add(score_fixes(applied, failed, lines, args.seed, event))
        beats += learned.expected_net > greedy_outcome.expected_net + 1e-9
        ties += abs(learned.expected_net - greedy_outcome.expected_net) <= 1e-9

    # ------------------------------------------------------------------ report
    n = args.eval
    oracle_net = totals["oracle"].expected_net
    print(f"\nonline learning: {args.events} events in {train_seconds:.0f}s; "
          f"{len(planner.replay)} transitions recorded")
    print(f"{'events':>7} | {'E[net]/event':>12} | {'realised':>8} | {'greedy E[net]':>13} | "
          f"plans used (thompson-sampled while learning)")
    for events, expected, realised, greedy_expected, mix in curve:
        print(f"{events:>7} | {expected:>12.3f} | {realised:>8.3f} | {greedy_expected:>13.3f} | "
              f"{mix}")
    print(f"\nheld-out evaluation: {n} files (seed {args.seed}); per event:")
    print(f"{'policy':>12} | {'fixes':>6} | {'E[accepted]':>11} | {'E[rejected]':>11} | "
          f"{'E[net]':>7} | {'% oracle':>8} | {'realised net':>12} | {'accept rate':>11}")
    print("-" * 101)
    for name, total in totals.items():
        rate = total.accepted / total.fixes if total.fixes else float("nan")
        share = 100 * total.expected_net / oracle_net if oracle_net else float("nan")
        print(f"{name:>12} | {total.fixes / n:>6.2f} | {total.expected_accepted / n:>11.3f} | "
              f"{total.expected_rejected / n:>11.3f} | {total.expected_net / n:>7.3f} | "
              f"{share:>7.1f}% | {total.net / n:>12.3f} | {rate:>10.1%}")
    print(f"\nlearned planner decisions: {dict(reasons)}; better than greedy on {beats} files, "
          f"equal on {ties}, worse on {n - beats - ties}")
    print(f"plan time ms: median {statistics.median(plan_ms):.2f}, "
          f"p95 {np.percentile(plan_ms, 95):.2f}, max {max(plan_ms):.2f}")
    if uncertainties:
        print(f"uncertainty of decisions: median {statistics.median(uncertainties):.4f}, "
              f"p95 {np.percentile(uncertainties, 95):.4f}, max {max(uncertainties):.4f}")
    print("book means: " + ", ".join(f"{rule} {book.mean(rule):.2f}" for rule in templated))
    unseen = [rule for rule in rules if rule not in TEMPLATES]
    if unseen:
        # Out of distribution: rules the model never saw fixed. Their plans should be
        # flagged by the ensemble's disagreement (and fall back to greedy).
        base = observe_code(matcher, make_file(eval_rng, ()), "javascript")
        print(f"rules never seen in training (threshold {args.threshold}):")
        for rule in unseen:
            problems = {**base.problems, rule: 3}
            fixable = {**base.fixable, rule: 3}
            features = {**base.features, f"fixable:{rule}": 3.0}
            decision = planner.plan(problems, features, means, fixable)
            shown = "none" if decision.uncertainty is None else f"{decision.uncertainty:.4f}"
            print(f"  {rule:>32}: uncertainty {shown}, source {decision.source}, "
                  f"reason {decision.reason}, rules {decision.rules}")
    learned_share = totals["learned"].expected_net / oracle_net if oracle_net else 0.0
    above = totals["learned"].expected_net > totals["greedy"].expected_net
    print(f"\ntarget >= 90% of oracle: {'met' if learned_share >= 0.9 else 'MISSED'} "
          f"({learned_share:.1%}); above greedy: {'met' if above else 'MISSED'}")


if __name__ == "__main__":
    main()
