"""Build llama-cpp-python for the test bed portably: never for the native CPU, never with AMX.

Built the default way (`GGML_NATIVE=ON`), llama.cpp compiles for the CPU it is built on; on
Intel Xeons with AMX (`amx_tile amx_int8 amx_bf16` in /proc/cpuinfo) that includes its AMX
matrix-multiply path, and the library then dies with a segmentation fault on the first
prompt longer than one token (`ggml_backend_amx_mul_mat`). A native wheel built on another
machine can instead die with an illegal instruction. So the wheel is built with
`GGML_NATIVE=OFF`, AMX switched off, and only the x86 extensions this CPU reports switched on:
AVX, AVX2, FMA and F16C, plus the AVX-512 family where /proc/cpuinfo lists it (about 1.5x
faster prompt reading than AVX2 alone).

Each set of flags is a variant with its own wheel folder, `wheels/<variant>/`, beside a
`build.json` that records the flags; a wheel from another variant (or from the flat
`wheels/` folder of older checkouts, built natively) is never reused, and pip's own wheel
cache is bypassed for the same reason. The build takes 3-10 minutes on 2 cores, once.

    python -m tests.realmodel.build [--cache DIR] [--package llama-cpp-python==0.3.36]
        # prints the folder holding the wheel
    python -m tests.realmodel.build --check   # the installed library has no AMX code
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.realmodel.models import DEFAULT_CACHE

BASE_FLAGS = ("avx", "avx2", "fma", "f16c")
# /proc/cpuinfo flag -> the ggml CMake option that uses it (only where the CPU has it)
OPTIONAL_FLAGS = {
    "avx512f": "GGML_AVX512",
    "avx512_vbmi": "GGML_AVX512_VBMI",
    "avx512_vnni": "GGML_AVX512_VNNI",
    "avx512_bf16": "GGML_AVX512_BF16",
    "avx_vnni": "GGML_AVX_VNNI",
}
ALWAYS_OFF = ("GGML_NATIVE", "GGML_AMX_TILE", "GGML_AMX_INT8", "GGML_AMX_BF16")


def cpu_flags(cpuinfo: str) -> set[str]:
    """The feature flags of the first processor in a /proc/cpuinfo text."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return set(value.split())
    return set()


def cmake_args(flags: set[str]) -> list[str]:
    """The CMake options for a portable build on a CPU with these flags."""
    missing = [flag for flag in BASE_FLAGS if flag not in flags]
    if missing:
        raise SystemExit(
            f"this CPU lacks {', '.join(missing)}: the test bed needs an x86-64 CPU with "
            "AVX2, FMA and F16C (any Intel since Haswell, any AMD since Zen)"
        )
    args = [f"-D{option}=OFF" for option in ALWAYS_OFF]
    args += [f"-DGGML_{flag.upper()}=ON" for flag in BASE_FLAGS]
    args += [f"-D{option}=ON" for flag, option in OPTIONAL_FLAGS.items() if flag in flags]
    return args


def variant(flags: set[str]) -> str:
    """The wheel folder's name: which optional extensions the build uses."""
    extras = [flag.replace("_", "-") for flag in OPTIONAL_FLAGS if flag in flags]
    return "portable-avx2" + "".join(f"+{extra}" for extra in extras)


def wheel_folder(cache: Path, flags: set[str], package: str) -> Path:
    return cache / "wheels" / package.replace("==", "-") / variant(flags)


def build(cache: Path, package: str, flags: set[str]) -> Path:
    """The folder holding a portable wheel of `package` for this CPU, built if missing."""
    folder = wheel_folder(cache, flags, package)
    if list(folder.glob("llama_cpp_python-*.whl")) and (folder / "build.json").exists():
        print(f"llama-cpp-python: reusing the {folder.name} wheel in {folder}", file=sys.stderr)
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    args = cmake_args(flags)
    print(
        f"llama-cpp-python: building {package} ({folder.name}, 3-10 minutes, once)\n"
        f"  CMAKE_ARGS={' '.join(args)}",
        file=sys.stderr,
    )
    env = {
        **os.environ,
        "CMAKE_ARGS": " ".join(args),
        "FORCE_CMAKE": "1",
        "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 2),
    }
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir"]
    # pip's output goes to stderr: stdout is the folder's path, for the Makefile
    subprocess.run([*command, "-w", str(folder), package], check=True, env=env, stdout=sys.stderr)
    record = {"package": package, "cmake_args": args, "cpu_flags": sorted(flags)}
    (folder / "build.json").write_text(json.dumps(record, indent=2) + "\n", "utf-8")
    return folder


def check_installed() -> str:
    """The installed llama.cpp's system info; exits with the fix when it has AMX or is native."""
    import llama_cpp

    info = llama_cpp.llama_print_system_info().decode(errors="replace")
    if "AMX_INT8 = 1" in info:
        raise SystemExit(
            "the installed llama-cpp-python was built with AMX code, which segfaults on the "
            "first prompt on CPUs with AMX. Reinstall the portable wheel: "
            "`.venv/bin/pip uninstall -y llama-cpp-python && rm -f .venv/.llama-cpp && "
            "make test-llm`"
        )
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--package", default="llama-cpp-python==0.3.36")
    parser.add_argument("--check", action="store_true", help="check the installed library")
    args = parser.parse_args(argv)
    if args.check:
        print(f"llama.cpp: {check_installed().strip()}")
        return 0
    flags = cpu_flags(Path("/proc/cpuinfo").read_text("utf-8"))
    print(build(args.cache, args.package, flags))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
