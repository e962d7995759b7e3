"""Benchmark (not a test) of the civil register mock at 1,000,000 residents (DESIGN §10: register
match < 2 ms median).

    .venv/bin/python bench/register_match.py [--residents N] [--queries Q] [--seed S] [--json]

Times generation and index build, then `match` on Q queries (default 10,000): half are residents
typed with realistic variations (upper case, first given name only, "Str.", transliterated
umlauts, "7 a"), half are misses (birth date one day off, other house number, unknown family
name). Reports median, p90, p99 and max per call, the outcome mix, and peak RSS.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import statistics
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta

from servicekonto.sim.register_data import DEFAULT_SEED, generate
from servicekonto.sim.register_mock import InMemoryRegister
from servicekonto.register.model import PersonQuery, Resident


def _typed(resident: Resident, rng: random.Random) -> PersonQuery:
    """The resident as a person might type them."""
    given = resident.given_names
    family = resident.family_name
    street = resident.address.street
    number = resident.address.house_number
    variant = rng.randrange(6)
    if variant == 0:
        given, family = given.upper(), family.upper()
    elif variant == 1:
        given = given.split()[0]
    elif variant == 2:
        street = street.replace("straße", "str.").replace("Straße", "Str.")
    elif variant == 3:
        family = family.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    elif variant == 4 and number[-1].isalpha():
        number = f"{number[:-1]} {number[-1].upper()}"
    return PersonQuery(
        given_names=given,
        family_name=family,
        birth_date=resident.birth_date,
        street=street,
        house_number=number,
        postal_code=resident.address.postal_code,
        locality=resident.address.locality,
    )


def _miss(resident: Resident, rng: random.Random) -> PersonQuery:
    typed = _typed(resident, rng)
    variant = rng.randrange(3)
    if variant == 0:
        return replace(typed, birth_date=typed.birth_date + timedelta(days=1))
    if variant == 1:
        return replace(typed, house_number=str(int("".join(filter(str.isdigit, typed.house_number)))
                                               + 1000))
    return replace(typed, family_name="Unbekannt-Niemand")


def _percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    started = time.perf_counter()
    residents = generate(args.residents, args.seed)
    generation_s = time.perf_counter() - started

    started = time.perf_counter()
    register = InMemoryRegister(residents)
    index_s = time.perf_counter() - started

    rng = random.Random(1)
    queries = [
        _typed(r, rng) if i % 2 == 0 else _miss(r, rng)
        for i, r in enumerate(rng.choices(residents, k=args.queries))
    ]
    for q in queries[:200]:  # warm-up
        register.match(q)

    gc.collect()
    gc.disable()  # measure matching, not the collector's pauses from the million objects
    latencies_us: list[float] = []
    outcomes: Counter[str] = Counter()
    clock = time.perf_counter_ns
    for q in queries:
        t0 = clock()
        result = register.match(q)
        latencies_us.append((clock() - t0) / 1000)
        outcomes[result.outcome] += 1
    gc.enable()
    latencies_us.sort()

    report = {
        "residents": len(register),
        "generation_s": round(generation_s, 2),
        "index_build_s": round(index_s, 2),
        "queries": len(queries),
        "outcomes": dict(outcomes),
        "median_us": round(statistics.median(latencies_us), 1),
        "p90_us": round(_percentile(latencies_us, 0.90), 1),
        "p99_us": round(_percentile(latencies_us, 0.99), 1),
        "max_us": round(latencies_us[-1], 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "target_median_us": 2000,
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(f"residents           {report['residents']:>12,}")
        print(f"generation          {report['generation_s']:>12} s")
        print(f"index build         {report['index_build_s']:>12} s")
        print(f"queries             {report['queries']:>12,}  {report['outcomes']}")
        for key in ("median_us", "p90_us", "p99_us", "max_us"):
            print(f"{key.removesuffix('_us'):<20}{report[key]:>12} µs")
        print(f"peak RSS            {report['peak_rss_mb']:>12} MB")
        verdict = "meets" if report["median_us"] < 2000 else "MISSES"
        print(f"target              median < 2 ms: {verdict}")
    sys.exit(0 if report["median_us"] < 2000 else 1)


if __name__ == "__main__":
    main()
