"""Lighthouse's page-speed figures for a run page with a 20-step history: as its owner and as a
viewer, each with Lighthouse's desktop preset and its default mobile emulation.

Run with `make bench-page` (needs Debian's Chromium and npm; installs Lighthouse 12.2.3 from
bench/lighthouse/package-lock.json), or after that on its own with
`python -m bench.page_lighthouse [--runs N]`. Scores vary from run to run on a shared machine,
so each of the four configurations runs N times (default 3, or $LIGHTHOUSE_RUNS) and the table
shows the median of each figure, with the performance score's range. Figures that miss the
targets of issue #14 are marked.
"""

import argparse
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx

from app.settings import PROJECT_ROOT
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.owners import owner_headers, owner_url
from tests.server import ServerProcess

LIGHTHOUSE = PROJECT_ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
HISTORY_STEPS = 20
TIMEOUT_SECONDS = 300
DEVICES = {"desktop": ["--preset=desktop"], "mobile": []}  # Lighthouse emulates a phone by default.

# Targets from issue #14: the lowest performance score per device, and the layout shift's bound.
PERFORMANCE_TARGETS = {"desktop": 90, "mobile": 75}
LAYOUT_SHIFT_TARGET = 0.05

# Each column: its heading, the audit it reads, the factor from the audit's numericValue to the
# column's unit, and the format of a figure.
AUDITS = (
    ("TBT (ms)", "total-blocking-time", 1.0, ".0f"),
    ("LCP (ms)", "largest-contentful-paint", 1.0, ".0f"),
    ("FCP (ms)", "first-contentful-paint", 1.0, ".0f"),
    ("speed index (ms)", "speed-index", 1.0, ".0f"),
    ("layout shift", "cumulative-layout-shift", 1.0, ".3f"),
    ("transferred (KiB)", "total-byte-weight", 1 / 1024, ".0f"),
)

Figures = dict[str, float]  # "performance" (0-100) and each audit's figure, by audit id.


UNSCORED_RETRIES = 2


def lighthouse(url: str, device: str, scratch: Path) -> dict[str, Any]:
    """Lighthouse's JSON report on `url`, from a Chromium with a fresh profile."""
    report = scratch / "report.json"
    profile = scratch / "profile"
    flags = " ".join(["--headless", *CHROMIUM_ARGS, f"--user-data-dir={profile}"])
    # Lighthouse may exit non-zero yet write its report, so the report decides, not the exit code.
    finished = subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            *DEVICES[device],
            "--only-categories=performance",
            "--output=json",
            f"--output-path={report}",
            f"--chrome-path={CHROMIUM}",
            f"--chrome-flags={flags}",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if not report.exists():
        raise SystemExit(
            f"Lighthouse wrote no report for {url} ({device}), exit code {finished.returncode}:\n"
            f"{finished.stderr.strip()}"
        )
    parsed: dict[str, Any] = json.loads(report.read_text())
    return parsed


def figures(report: dict[str, Any]) -> Figures:
    """The table's figures from one report; exits if Lighthouse could not measure the page."""
    score = report["categories"]["performance"]["score"]
    if score is None:
        raise SystemExit(f"Lighthouse could not score the page: {report.get('runtimeError')}")
    measured = {"performance": score * 100}
    for _, audit_id, factor, _ in AUDITS:
        audit = report["audits"][audit_id]
        if "numericValue" not in audit:
            raise SystemExit(f"Lighthouse's {audit_id} audit failed: {audit.get('errorMessage')}")
        measured[audit_id] = audit["numericValue"] * factor
    return measured


def measure(url: str, device: str, runs: int) -> list[Figures]:
    """The figures of `runs` Lighthouse runs on `url`, each in a scratch directory of its own."""
    return [scored_run(url, device) for _ in range(runs)]


def scored_run(url: str, device: str) -> Figures:
    """One run's figures. A run whose trace missed the page's start (Lighthouse's NO_NAVSTART,
    which asks to be run again) is run again, UNSCORED_RETRIES times at most."""
    for attempt in range(UNSCORED_RETRIES + 1):
        with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch:
            report = lighthouse(url, device, Path(scratch))
        scored = report["categories"]["performance"]["score"] is not None
        if scored or attempt == UNSCORED_RETRIES:
            break
        print(f"Lighthouse could not score the page ({report.get('runtimeError')}); again")
    return figures(report)


def row(label: str, device: str, measured: list[Figures]) -> str:
    """A table row: the median of each figure, the score's range, and a mark on each miss."""
    scores = [each["performance"] for each in measured]
    score = statistics.median(scores)
    performance = f"{score:.0f} ({min(scores):.0f}-{max(scores):.0f})"
    if score < PERFORMANCE_TARGETS[device]:
        performance += f" ✗ target ≥ {PERFORMANCE_TARGETS[device]}"
    cells = [performance]
    for _, audit_id, _, spec in AUDITS:
        median = statistics.median(each[audit_id] for each in measured)
        cell = format(median, spec)
        if audit_id == "cumulative-layout-shift" and median >= LAYOUT_SHIFT_TARGET:
            cell += f" ✗ target < {LAYOUT_SHIFT_TARGET}"
        cells.append(cell)
    return f"| {label}, {device} | " + " | ".join(cells) + " |"


def run_with_history(base_url: str) -> dict[str, Any]:
    """A new run (the 201 body that created it), stepped so that its charts have a history."""
    run: dict[str, Any] = httpx.post(f"{base_url}/api/runs").json()
    httpx.post(
        f"{base_url}/api/runs/{run['id']}/step",
        json={"n": HISTORY_STEPS},
        headers=owner_headers(run),
    ).raise_for_status()
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs",
        type=int,
        default=int(os.environ.get("LIGHTHOUSE_RUNS", "3")),
        help="Lighthouse runs per configuration (default 3, or $LIGHTHOUSE_RUNS)",
    )
    runs = parser.parse_args().runs
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: run `make bench-page`, which installs it.")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        server = ServerProcess(Path(scratch) / "data", Path(scratch) / "server.log").start()
        try:
            run = run_with_history(server.base_url)
            # The owner's page holds the token in its fragment; a viewer's fresh profile has none.
            pages = {
                "owner": owner_url(server.base_url, run),
                "viewer": server.base_url + run["url"],
            }
            for label, url in pages.items():
                for device in DEVICES:
                    rows.append(row(label, device, measure(url, device, runs)))
        finally:
            server.stop()
    headings = ["performance", *(heading for heading, _, _, _ in AUDITS)]
    print(f"Lighthouse, run page with {HISTORY_STEPS} steps: median of {runs} run(s) each")
    print("| page | " + " | ".join(headings) + " |")
    print("|---" * (len(headings) + 1) + "|")
    print("\n".join(rows))
    print(
        f"Targets (issue #14): performance ≥ {PERFORMANCE_TARGETS['desktop']} on desktop, "
        f"≥ {PERFORMANCE_TARGETS['mobile']} on mobile; layout shift < {LAYOUT_SHIFT_TARGET}. "
        "✗ marks a median that misses its target; performance shows (min-max)."
    )


if __name__ == "__main__":
    main()
