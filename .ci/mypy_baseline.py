"""mypy against a baseline that only shrinks.

`python .ci/mypy_baseline.py` runs mypy (settings in pyproject.toml) and fails on any error
not in mypy-baseline.txt. An error fixed since the baseline was written fails too, until
`python .ci/mypy_baseline.py --shrink` drops it from the file: the baseline never grows, and
only `--shrink` writes it. Lines are compared without their line numbers, so code that moves
keeps its entries; an entry that occurs N times allows N errors.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "mypy-baseline.txt"
ERROR = re.compile(r"^(?P<path>[^:\s]+\.py):\d+(?::\d+)?: error: (?P<message>.*)$")


def current_errors() -> Counter[str]:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    if result.returncode not in (0, 1) or "error: " not in result.stdout and result.returncode:
        sys.exit(f"mypy did not run:\n{result.stdout}{result.stderr}")
    found: Counter[str] = Counter()
    for line in result.stdout.splitlines():
        match = ERROR.match(line)
        if match:
            found[f"{match['path']}: {match['message']}"] += 1
    return found


def read_baseline() -> Counter[str]:
    if not BASELINE.exists():
        return Counter()
    return Counter(line for line in BASELINE.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#"))


def main(argv: list[str]) -> int:
    found, allowed = current_errors(), read_baseline()
    new, fixed = found - allowed, allowed - found
    if new:
        print(f"mypy: {sum(new.values())} error(s) not in mypy-baseline.txt:")
        print("\n".join(f"  {line}" for line in sorted(new.elements())))
        return 1
    if fixed and "--shrink" in argv:
        kept = allowed - fixed
        header = "# mypy errors tolerated for now; `python .ci/mypy_baseline.py --shrink` only removes lines.\n"
        BASELINE.write_text(header + "".join(f"{line}\n" for line in sorted(kept.elements())), encoding="utf-8")
        print(f"mypy: baseline shrunk by {sum(fixed.values())} to {sum(kept.values())}")
        return 0
    if fixed:
        print(f"mypy: {sum(fixed.values())} baseline error(s) are fixed; run `python .ci/mypy_baseline.py --shrink`:")
        print("\n".join(f"  {line}" for line in sorted(fixed.elements())))
        return 1
    print(f"mypy: {sum(found.values())} error(s), all in the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
