"""System facts: /proc/cpuinfo and /etc/os-release parsers, the AVX rule TensorFlow's wheels need."""

from __future__ import annotations

from envcheck.diagnose import doctor as rules
from envcheck.probes import system

X86_CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7B13
flags\t\t: fpu vme sse sse2 ssse3 sse4_1 sse4_2 avx avx2 fma f16c

processor\t: 1
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7B13
flags\t\t: fpu vme sse sse2 ssse3 sse4_1 sse4_2 avx avx2 fma f16c
"""
# An old Atom / a QEMU default CPU model: SSE4.2 but no AVX, where `import tensorflow` dies with SIGILL.
NO_AVX_CPUINFO = ("processor\t: 0\nmodel name\t: QEMU Virtual CPU version 2.5+\n"
                  "flags\t\t: fpu sse sse2 sse4_1 sse4_2 popcnt\n")
ARM_CPUINFO = "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes\nCPU implementer\t: 0x41\n"


def test_x86_cpuinfo_gives_model_count_and_avx_flags():
    model, count, flags = system.parse_cpuinfo(X86_CPUINFO)
    assert (model, count) == ("AMD EPYC 7B13", 2)
    assert {"avx", "avx2", "fma"} <= flags


def test_arm_cpuinfo_has_features_and_no_model_name():
    model, count, flags = system.parse_cpuinfo(ARM_CPUINFO)
    assert model is None and count == 1 and "asimd" in flags


def test_this_machines_cpuinfo_is_read_from_a_root(tmp_path):
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc" / "cpuinfo").write_text(NO_AVX_CPUINFO)
    cpu = system.read_cpu(str(tmp_path))
    assert cpu.model == "QEMU Virtual CPU version 2.5+" and not cpu.has("avx")


def test_os_release_pretty_name_and_wsl2_kernel():
    text = 'NAME="Ubuntu"\nVERSION="24.04.3 LTS (Noble Numbat)"\nPRETTY_NAME="Ubuntu 24.04.3 LTS"\n'
    assert system.parse_os_release(text) == "Ubuntu 24.04.3 LTS"
    assert system.is_wsl("Linux version 5.15.167.4-microsoft-standard-WSL2 (root@f9c826d3017f) (gcc (GCC) 11.2.0)")
    assert not system.is_wsl("Linux version 6.18.44-fc-v669 (builder@sandboxing)")


def test_os_release_comes_from_the_standard_library_or_the_files_under_a_root(tmp_path, monkeypatch):
    (tmp_path / "usr" / "lib").mkdir(parents=True)
    (tmp_path / "usr" / "lib" / "os-release").write_text('NAME="Debian GNU/Linux"\nVERSION="12 (bookworm)"\n')
    assert system.read_os_release(str(tmp_path)) == "Debian GNU/Linux 12 (bookworm)"  # /usr/lib: the fallback
    assert system.read_os_release(str(tmp_path / "nothing")) is None
    monkeypatch.setattr(system.platform, "freedesktop_os_release", lambda: {"PRETTY_NAME": "Fedora Linux 41"},
                        raising=False)
    assert system.read_os_release("/") == "Fedora Linux 41"


def _facts(cpuinfo: str, ram: int = 16 * 2**30, disk: int = 50 * 2**30, machine: str = "x86_64") -> system.SystemFacts:
    model, count, flags = system.parse_cpuinfo(cpuinfo)
    return system.SystemFacts(system.Cpu(model, count, flags, machine), ram, ram, disk, "/env",
                              "Debian GNU/Linux 12 (bookworm)", "6.1", False)


def test_cpu_without_avx_is_an_error_before_tensorflow_dies_with_sigill():
    area = rules.system_area(_facts(NO_AVX_CPUINFO))
    assert area.status == "error"
    assert [f.code for f in area.findings] == ["CPU_NO_AVX"]
    assert "SIGILL" in area.findings[0].message


def test_small_ram_and_full_disk_are_warnings_with_the_numbers():
    area = rules.system_area(_facts(X86_CPUINFO, ram=2 * 2**30, disk=1 * 2**30))
    assert area.status == "warning"
    assert {f.code for f in area.findings} == {"LOW_RAM", "LOW_DISK"}
    assert "2.0 GiB" in area.findings[0].message


def test_arm_machine_is_not_asked_for_avx():
    assert rules.system_area(_facts(ARM_CPUINFO, machine="aarch64")).status == "ok"


def test_summary_names_the_instruction_sets():
    assert rules.system_area(_facts(X86_CPUINFO)).summary.startswith("2 CPUs with AVX2/FMA, 16 GiB RAM, 50 GiB free")
