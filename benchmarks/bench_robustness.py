"""Benchmark: the rank-uncertainty Monte Carlo and its Sobol analysis on synthetic values.

    uv run python benchmarks/bench_robustness.py [--n 1000] [--seed 1] [--sizes 10x25 100x100]

For each size (units × leaves) it builds a synthetic framework (leaves in groups of five under
first-level indicators, frontier bounds [0, 100], half the leaves lower-is-better), draws
indicator values (uniform 0–100, 2 % missing, seed fixed) and runs
:func:`pipelines.scoring.robustness.analyse` with the default uncertain inputs. Reported:
wall time of the setup (leaf scores of each normalisation by the engine), of the N Monte Carlo
replications (with the 红/黑榜 places of each), of the Sobol part (Saltelli design and SALib
analysis of every unit's rank and of the mean absolute rank shift), and peak resident memory
(VmHWM) of the process.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from pipelines.scoring import UnitDef, Units, framework_from_dict  # noqa: E402
from pipelines.scoring.robustness import (  # noqa: E402
    MEAN_SHIFT,
    Rescorer,
    RobustnessSettings,
    analyse,
    sobol_base_size,
)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def synthetic(units: int, leaves: int, seed: int) -> tuple[object, pd.DataFrame, Units]:
    groups = []
    for g in range(0, leaves, 5):
        children = []
        for j in range(g, min(g + 5, leaves)):
            lower = j % 2 == 1
            children.append(
                {
                    "code": f"L{j:03d}",
                    "name": f"指标{j}",
                    "direction": "lower_is_better" if lower else "higher_is_better",
                    "normalize": {
                        "method": "frontier",
                        "best": 0 if lower else 100,
                        "worst": 100 if lower else 0,
                    },
                }
            )
        groups.append({"code": f"G{g // 5:02d}", "name": f"一级{g // 5}", "children": children})
    framework = framework_from_dict({"name": "基准体系", "indicators": groups})
    rng = np.random.default_rng(seed)
    codes = [f"U{i:03d}" for i in range(units)]
    frame = pd.DataFrame(
        [(u, leaf, float(rng.uniform(0, 100))) for u in codes for leaf in framework.leaf_codes],
        columns=["unit", "indicator", "value"],
    )
    frame = frame[rng.random(len(frame)) >= 0.02].reset_index(drop=True)
    return framework, frame, Units(tuple(UnitDef(code=c, name=c) for c in codes))


def main() -> int:
    warnings.simplefilter("ignore")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sizes", nargs="+", default=["10x25", "100x100"])
    args = parser.parse_args()
    # Warm up: imports (SALib, the bulletin's list rules) and pandas' first calls are not
    # part of the figures.
    warm = synthetic(5, 5, args.seed)
    analyse(*warm, RobustnessSettings(replications=16, seed=args.seed))
    print(f"N = {args.n} replications; Sobol base {sobol_base_size(args.n)}")
    print(
        f"{'units×leaves':>12} {'setup s':>8} {'MC s':>8} {'MC+Sobol s':>11} "
        f"{'Sobol evals':>11} {'peak RSS MB':>12}  main driver (mean |rank shift|)"
    )
    for size in args.sizes:
        n_units, n_leaves = (int(x) for x in size.split("x"))
        framework, values, units = synthetic(n_units, n_leaves, args.seed)
        settings = RobustnessSettings(replications=args.n, seed=args.seed)
        t0 = time.perf_counter()
        Rescorer(framework, values, units, settings)
        setup = time.perf_counter() - t0
        t0 = time.perf_counter()
        analyse(framework, values, units, settings, sensitivity=False)
        mc = time.perf_counter() - t0
        t0 = time.perf_counter()
        full = analyse(framework, values, units, settings)
        both = time.perf_counter() - t0
        evals = full.sobol_base * (len(full.factors) + 2)
        driver = full.driver(MEAN_SHIFT)
        label = f"{driver['factor_label']} ST={driver['st']:.2f}" if driver is not None else "—"
        print(
            f"{size:>12} {setup:8.2f} {mc:8.2f} {both:11.2f} {evals:11,} {_rss_mb():12.0f}  {label}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
