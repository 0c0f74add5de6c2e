"""It installs as users install it: a built wheel, `pip install .` and `pipx install .` (not
editable), each in a fresh venv outside the checkout, run from another folder (`make test`
installs with pipx only, `make test-install` all three ways): reindex, an
extractive answer, and an Ollama answer against the stand-in. What this proves is that the
installed package carries what it reads at run time (prompt templates, tokenizer) and runs
without the checkout.

Installing every dependency afresh takes minutes, so the fresh venv reaches the dependencies
of the test's own environment through a `.pth` line (its site-packages is searched after the
venv's own, so `assistant` is the installed copy; pipx installs the line first, as a wheel),
and the package goes in with `--no-deps`.
tests/test_dependencies.py checks that the declared dependencies are the imported ones.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.ollama_standin import OllamaStandin

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
FOUNDER_FILE = "003_0b0806e6b9dc152e.txt"
FOUNDER = "DeepSeek founder Liang Wenfeng revealed in a 2023 interview"
QUESTION = "Who founded DeepSeek?"
# at the checkout's top only: `assistant/index/` is source, `index/` the default index
NOT_SOURCE = (".git", ".venv", "venv", "index", "build", "dist", "eval-out")
CACHES = ("__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", "*.egg-info")
WHERE = """
import json, sys
from importlib.resources import files
import assistant
from assistant.embed.minilm import TOKENIZER_RESOURCE
print(json.dumps({
    "package": assistant.__file__,
    "prompts": str(files("assistant.prompt_templates") / "answer.md"),
    "tokenizer": str(files("assistant").joinpath(*TOKENIZER_RESOURCE)),
    "path": sys.path,
}))
"""


def run(command: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def source_copy(tmp: Path) -> Path:
    """The checkout as a fresh clone would have it (no venv, index or build leftovers)."""
    source = tmp / "source"
    caches = shutil.ignore_patterns(*CACHES)

    def ignored(folder: str, names: list[str]) -> set[str]:
        top = {n for n in names if n in NOT_SOURCE} if Path(folder) == REPO else set()
        return top | set(caches(folder, names))

    shutil.copytree(REPO, source, ignore=ignored)
    return source


def dependencies_path() -> str:
    """The site-packages holding the test environment's dependencies."""
    return sysconfig.get_paths()["purelib"]


def fresh_venv(path: Path) -> Path:
    venv.create(path, with_pip=False)
    python = path / "bin" / "python"
    site = run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], path, {}
    )
    (Path(site.strip()) / "_test_dependencies.pth").write_text(dependencies_path() + "\n")
    return python


def dependencies_wheel(folder: Path) -> Path:
    """A wheel whose only content is that `.pth` line, for pipx to install before the package."""
    info = "test_dependencies-0.dist-info"
    files = {
        "_test_dependencies.pth": dependencies_path() + "\n",
        f"{info}/METADATA": "Metadata-Version: 2.1\nName: test-dependencies\nVersion: 0\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = [f"{name},sha256={_digest(text)},{len(text.encode())}" for name, text in files.items()]
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    wheel = folder / "test_dependencies-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


def _digest(text: str) -> str:
    raw = hashlib.sha256(text.encode()).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def clean_env(bin_dir: Path, home: Path) -> dict[str, str]:
    """No PYTHONPATH, no ASSISTANT_* or OLLAMA_HOST from the caller, the install's bin first."""
    return {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
        "ASSISTANT_HISTORY_DIR": str(home / "history"),
    }


def install(how: str, tmp: Path) -> Path:
    """Install the package from a copy of the checkout (deleted afterwards); its venv's folder."""
    source = source_copy(tmp)
    build = ["--no-deps", "--no-build-isolation", "--no-index"]  # nothing from the network
    if how == "pipx install .":
        pipx_home = tmp / "pipx"
        env = {
            **clean_env(Path(sys.executable).parent, tmp),
            "PIPX_HOME": str(pipx_home),
            "PIPX_BIN_DIR": str(tmp / "pipx-bin"),
            "PIPX_MAN_DIR": str(tmp / "pipx-man"),
            "PIPX_DISABLE_SHARED_LIBS_AUTO_UPGRADE": "1",  # pipx's own pip: from ensurepip
            "PIP_NO_INDEX": "1",
        }
        preinstall = ["--preinstall", str(dependencies_wheel(tmp)), "--pip-args", " ".join(build)]
        run([sys.executable, "-m", "pipx", "install", *preinstall, source], tmp, env)
        venv_dir = pipx_home / "venvs" / "assistant"
    else:
        venv_dir = tmp / "venv"
        python = fresh_venv(venv_dir)
        pip = [python, "-m", "pip", "--disable-pip-version-check", "--no-input", "--quiet"]
        if how == "wheel":
            run([*pip, "wheel", *build, "--wheel-dir", tmp / "dist", source], tmp, {})
            (wheel,) = (tmp / "dist").glob("assistant-*.whl")
            run([*pip, "install", *build, wheel], tmp, {})
        else:
            run([*pip, "install", *build, source], tmp, {})
    shutil.rmtree(source)  # nothing may be read from it afterwards
    return venv_dir


# `make test` installs one way (pipx, which builds and installs a wheel); `make test-install`
# all three (a minute more on two cores).
@pytest.mark.parametrize(
    "how",
    [
        pytest.param("wheel", marks=pytest.mark.install),
        pytest.param("pip install .", marks=pytest.mark.install),
        "pipx install .",
    ],
)
def test_the_installed_package_indexes_and_answers_with_both_backends(
    how: str, tmp_path: Path, ollama_standin: OllamaStandin
) -> None:
    venv_dir = install(how, tmp_path)
    python = venv_dir / "bin" / "python"
    work = tmp_path / "work"
    (work / "corpus").mkdir(parents=True)
    shutil.copy(REPO / "corpus" / FOUNDER_FILE, work / "corpus")
    env = clean_env(venv_dir / "bin", tmp_path)

    where = json.loads(run([python, "-c", WHERE], work, env))
    for key in ("package", "prompts", "tokenizer"):
        assert Path(where[key]).is_relative_to(venv_dir) and Path(where[key]).is_file(), key
    shipped = {path.name for path in Path(where["prompts"]).parent.iterdir()}
    assert {path.name for path in (REPO / "prompts").glob("*.*")} <= shipped
    assert str(REPO) not in where["path"]  # "" is there: python -c puts the cwd, `work`

    on_path = tmp_path / "pipx-bin" if how.startswith("pipx") else venv_dir / "bin"
    assistant = on_path / "assistant"
    assert "1 added" in run([assistant, "reindex"], work, env)
    extractive = json.loads(
        run([assistant, "ask", "--llm", "extractive", "--json", QUESTION], work, env)
    )
    assert not extractive["abstained"] and extractive["backend"]["llm"] == "extractive"
    assert {c["file"] for c in extractive["citations"]} == {FOUNDER_FILE}

    ollama_standin.reply = [
        "Liang Wenfeng founded DeepSeek [1].\n\nQUOTES:\n",
        f'[1] "{FOUNDER}"\n',
    ]
    flags = ["--llm", "ollama", "--ollama-host", ollama_standin.url, "--json"]
    answer = json.loads(run([assistant, "ask", *flags, QUESTION], work, env))
    assert answer["backend"]["llm"] == "ollama" and not answer["abstained"]
    assert [c["quote"] for c in answer["citations"]] == [FOUNDER]
    assert QUESTION in ollama_standin.chat_bodies[-1]["messages"][-1]["content"]
