"""What an installed server holds: the wheel carries every app of ours with all its parts.

A non-editable install (the container image's) gets only what the wheel holds. An app left
out of it, or its migrations, templates or static files, is a server that fails to start,
never creates its tables, or serves pages without their look and scripts.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]

# What a build copies but never reads; leaving it out keeps the copy small and a stale
# build/ folder of a working tree from standing in for files the configuration misses.
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "var",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "*.pyc",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "node_modules",
)


def first_party_packages() -> dict[str, Path]:
    """Our top-level packages the server runs: its installed apps and the settings' own."""
    packages: dict[str, Path] = {}
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.parent == ROOT:
            packages[config.name] = path
    for dotted in (settings.ROOT_URLCONF, settings.ASGI_APPLICATION):
        top = dotted.split(".")[0]
        if (ROOT / top / "__init__.py").is_file():
            packages[top] = ROOT / top
    return packages


def files_under(folder: Path) -> list[str]:
    return sorted(
        path.relative_to(ROOT).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    work = tmp_path_factory.mktemp("packaging")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    out = work / "dist"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "--quiet",
            "-w",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"building the wheel failed:\n{result.stdout}{result.stderr}"
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_the_wheel_holds_every_app_of_ours_with_its_migrations_templates_and_static(
    wheel_files: set[str],
) -> None:
    packages = first_party_packages()
    assert {"server", "accounts", "web"} <= packages.keys(), packages

    problems = []
    for name, folder in sorted(packages.items()):
        modules = [f for f in files_under(folder) if f.endswith(".py")]
        if f"{name}/__init__.py" not in wheel_files:
            problems.append(f"{name}: the installed server would lack this app entirely")
            continue
        missing_modules = [f for f in modules if f not in wheel_files and "/migrations/" not in f]
        if missing_modules:
            problems.append(f"{name}: modules missing: {missing_modules}")
        migrations = [f for f in modules if f.startswith(f"{name}/migrations/")]
        missing_migrations = [f for f in migrations if f not in wheel_files]
        if missing_migrations:
            problems.append(f"{name}: migrations missing: {missing_migrations}")
        for kind in ("templates", "static"):
            data = files_under(folder / kind) if (folder / kind).is_dir() else []
            missing_data = [f for f in data if f not in wheel_files]
            if missing_data:
                problems.append(f"{name}: {kind} missing: {missing_data}")

    assert not problems, "the wheel is incomplete:\n" + "\n".join(problems)


def test_the_wheel_holds_no_tests_or_benchmarks(wheel_files: set[str]) -> None:
    tops = {name.split("/")[0] for name in wheel_files}
    assert not tops & {"tests", "bench", "docs", "scripts"}, sorted(tops)


def pins(lock_file: str) -> dict[str, str]:
    text = (ROOT / lock_file).read_text()
    return {
        canonicalize_name(name): version
        for name, version in re.findall(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", text, re.MULTILINE)
    }


def test_the_lock_files_pin_what_pyproject_asks_for() -> None:
    """A dependency changed in pyproject.toml without `make lock` is not installed by make."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = project["dependencies"], project["optional-dependencies"]["dev"]
    locks = {"requirements.txt": runtime, "requirements-dev.txt": runtime + dev}

    problems = []
    for lock_file, specs in locks.items():
        locked = pins(lock_file)
        for spec in specs:
            requirement = Requirement(spec)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            version = locked.get(canonicalize_name(requirement.name))
            if version is None or not requirement.specifier.contains(version, prereleases=True):
                problems.append(f"{lock_file} has {version or 'nothing'} for {spec}")
    assert not problems, "run `make lock`: " + "; ".join(problems)

    runtime_pins, dev_pins = pins("requirements.txt"), pins("requirements-dev.txt")
    differing = {
        name: (version, dev_pins[name])
        for name, version in runtime_pins.items()
        if dev_pins.get(name, version) != version
    }
    assert not differing, f"the two lock files pin these differently: {differing}"
