"""What ships: the locks agree with pyproject.toml, and the wheel, installed outside the checkout,
answers from its own knowledge."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def pins(lock: str) -> dict[str, str]:
    """name -> version for the Python in .python-version on Linux, as the hosts install it."""
    environment = default_environment()
    environment.update(python_version=(ROOT / ".python-version").read_text().strip(),
                       python_full_version=(ROOT / ".python-version").read_text().strip() + ".0",
                       sys_platform="linux", platform_system="Linux", implementation_name="cpython")
    found: dict[str, str] = {}
    for line in (ROOT / lock).read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            name, version, marker = match.groups()
            if marker is None or Requirement(f"x; {marker}").marker.evaluate(environment):  # type: ignore[union-attr]
                found[canonicalize_name(name)] = version
    return found


def _unmet(requirements: list[str], locked: dict[str, str]) -> list[str]:
    unmet = []
    for text in requirements:
        requirement = Requirement(text)
        version = locked.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            unmet.append(f"{text} (locked: {version})")
    return unmet


def test_the_locks_pin_what_pyproject_asks_for() -> None:
    """A dependency added to pyproject.toml without `make lock` fails here."""
    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    assert _unmet(PYPROJECT["project"]["dependencies"], runtime) == []
    assert _unmet(PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["dev"], dev) == []
    assert {name: version for name, version in dev.items() if name in runtime} == runtime


def test_every_pin_carries_hashes() -> None:
    for lock in ("requirements.txt", "requirements-dev.txt"):
        blocks = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / lock).read_text(encoding="utf-8"))
        assert [block.split()[0] for block in blocks if "==" in block and "--hash=sha256:" not in block] == []


def test_python_version_is_the_one_ci_tests() -> None:
    assert (ROOT / ".python-version").read_text().strip() == f"{sys.version_info.major}.{sys.version_info.minor}"


def _build_wheel(out: Path) -> tuple[Path, str]:
    # Offline: the locked setuptools of this venv, no isolated build environment to download.
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300, cwd=out,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return next(out.glob("sogabot-*.whl")), result.stdout + result.stderr


def test_the_wheel_answers_outside_the_checkout(tmp_path: Path) -> None:
    wheel, build_log = _build_wheel(tmp_path)
    assert "Warning" not in build_log, build_log  # e.g. setuptools' licence-table deprecation
    names = zipfile.ZipFile(wheel).namelist()
    assert any(name.startswith("bot/knowledge/corpus/") for name in names)
    assert "prompts/answer.md" in names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)

    # A fresh venv holding only the wheel; its dependencies come from this venv's site-packages,
    # appended to sys.path by a .pth line. That directory's own .pth files (the editable install
    # of the checkout) are not run, so `bot` can only come from the wheel.
    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "zz_dev_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "OPENAI_", "MAILCHIMP_", "KNOWLEDGE_", "PYTHON"))}
    env.update(DATABASE_URL=f"sqlite:///{elsewhere / 'bot.db'}")
    where = subprocess.run([str(python), "-c", "import bot; print(bot.__file__)"],
                           capture_output=True, text=True, check=True, cwd=elsewhere, env=env).stdout
    assert where.startswith(str(site)), where
    result = subprocess.run([str(target / "bin" / "sogabot"), "ask", "--json", "Qui finance DIGISET ?"],
                            capture_output=True, text=True, timeout=300, cwd=elsewhere, env=env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.splitlines()[-1])
    assert answer["answered"] is True, answer
    assert answer["sources"] and all(source["ref"] for source in answer["sources"]), answer
    assert "DIGISET" in answer["answer"].upper()


def test_the_image_runs_the_ci_python_from_the_lock_without_root() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    python = (ROOT / ".python-version").read_text().strip()
    images = re.findall(r"^FROM (\S+)", dockerfile, re.M)
    assert images and set(images) == {f"python:{python}-slim"}
    assert "--require-hashes -r /src/requirements.txt" in dockerfile
    user = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert user and user[-1].split(":")[0] not in ("0", "root")


def test_the_procfile_and_compose_run_real_commands() -> None:
    from bot.cli.main import build_parser

    parser = build_parser()
    commands = [line.split("python -m bot ", 1)[1] for line in (ROOT / "Procfile").read_text().splitlines()
                if "python -m bot " in line]
    commands += [found for found in re.findall(r'command: \["sogabot", ((?:"[a-z-]+"(?:, )?)+)\]',
                                                          (ROOT / "compose.yaml").read_text())]
    commands = [command.replace('"', "").replace(",", "") for command in commands]
    assert len(commands) >= 2
    for command in commands:
        assert getattr(parser.parse_args(command.split()), "func", None), command
