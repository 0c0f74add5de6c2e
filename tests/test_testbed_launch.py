"""The real-model test bed starts, proves itself and fails loudly, without a model: a stand-in
server that dies as llama.cpp's AMX bug kills it; and the portable build's flags (pure)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.realmodel.build import cmake_args, cpu_flags, variant, wheel_folder
from tests.realmodel.launch import TestbedDied, run_watched, smoke, start


def crasher(*extra: str):  # type: ignore[no-untyped-def]
    return lambda port: [sys.executable, "-m", "tests.testbed_crasher", "--port", str(port), *extra]


def test_a_server_that_answers_passes_the_smoke_check(tmp_path: Path) -> None:
    testbed = start(crasher("--answers", "5"), tmp_path / "server.log")
    try:
        assert smoke(testbed) == "The sea is wide and deep."
    finally:
        testbed.stop()


def test_a_crash_on_the_first_real_prompt_stops_at_once_with_the_cause_and_fix(
    tmp_path: Path,
) -> None:
    testbed = start(crasher(), tmp_path / "server.log")
    try:
        with pytest.raises(TestbedDied) as died:
            smoke(testbed)
    finally:
        testbed.stop()
    message = str(died.value.code)
    assert "killed by SIGSEGV" in message
    assert "AMX" in message and "make test-llm" in message
    assert "ggml_backend_amx_mul_mat" in message  # the server's own last words
    assert "not reachable" not in message


def test_a_server_that_exits_before_listening_says_so(tmp_path: Path) -> None:
    with pytest.raises(TestbedDied, match="exited with status 3"):
        start(crasher("--exit-at-start", "3"), tmp_path / "server.log", timeout=30)


def test_a_crash_mid_run_stops_the_running_eval(tmp_path: Path) -> None:
    testbed = start(crasher("--answers", "1"), tmp_path / "server.log")
    # an eval that keeps asking until the server is gone, then would run on for a minute
    script = (
        "import json, time, urllib.request\n"
        f"url = {testbed.url!r} + '/api/chat'\n"
        "body = json.dumps({'model': 'qwen2.5-coder:1.5b', 'stream': False,"
        " 'messages': [{'role': 'user', 'content': 'hi'}]}).encode()\n"
        "for _ in range(3):\n"
        "    try:\n"
        "        urllib.request.urlopen(urllib.request.Request(url, body), timeout=5).read()\n"
        "    except OSError:\n"
        "        pass\n"
        "time.sleep(60)\n"
    )
    try:
        with pytest.raises(TestbedDied, match="SIGSEGV"):
            run_watched(testbed, [sys.executable, "-c", script])
    finally:
        testbed.stop()


def test_a_command_failing_on_its_own_is_reported_as_its_failure(tmp_path: Path) -> None:
    testbed = start(crasher("--answers", "1"), tmp_path / "server.log")
    try:
        with pytest.raises(subprocess.CalledProcessError):
            run_watched(testbed, [sys.executable, "-c", "raise SystemExit(2)"])
    finally:
        testbed.stop()


AMX_XEON = (
    "processor\t: 0\nflags\t\t: fpu sse avx avx2 fma f16c avx512f avx512_vnni "
    "avx512_bf16 avx512_vbmi avx_vnni amx_bf16 amx_tile amx_int8\n"
)
ZEN2 = "processor\t: 0\nflags\t\t: fpu sse avx avx2 fma f16c\n"


def test_the_build_is_portable_and_never_uses_amx() -> None:
    for cpuinfo in (AMX_XEON, ZEN2):
        args = cmake_args(cpu_flags(cpuinfo))
        assert "-DGGML_NATIVE=OFF" in args
        assert {"-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF", "-DGGML_AMX_BF16=OFF"} <= set(args)
        assert not [a for a in args if "AMX" in a and a.endswith("=ON")]
        assert {"-DGGML_AVX2=ON", "-DGGML_FMA=ON", "-DGGML_F16C=ON"} <= set(args)
    xeon = cmake_args(cpu_flags(AMX_XEON))
    assert {"-DGGML_AVX512=ON", "-DGGML_AVX512_VNNI=ON", "-DGGML_AVX512_BF16=ON"} <= set(xeon)
    assert not [a for a in cmake_args(cpu_flags(ZEN2)) if "AVX512" in a]


def test_a_cpu_without_avx2_is_refused_with_a_reason() -> None:
    with pytest.raises(SystemExit, match="lacks avx2"):
        cmake_args(cpu_flags("flags\t: fpu sse avx fma f16c\n"))


def test_each_cpu_variant_has_its_own_wheel_folder(tmp_path: Path) -> None:
    xeon = wheel_folder(tmp_path, cpu_flags(AMX_XEON), "llama-cpp-python==0.3.36")
    zen = wheel_folder(tmp_path, cpu_flags(ZEN2), "llama-cpp-python==0.3.36")
    assert xeon != zen
    assert variant(cpu_flags(ZEN2)) == "portable-avx2"
    # an older checkout's natively built wheel sat directly in wheels/: never looked at
    assert xeon.parent == tmp_path / "wheels" / "llama-cpp-python-0.3.36"
