"""Toolkit and library probes on the captured hosts' nvcc, ldconfig and site-packages listings."""

from __future__ import annotations

from envcheck import runner
from envcheck.probes import cuda

from helpers import CPU_HOST, H200


def test_nvcc_version_of_the_cpu_host_is_cuda_13_0():
    assert cuda.parse_nvcc_version((CPU_HOST / "nvcc-version.txt").read_text()) == "13.0"


def test_nvcc_version_absent_from_unrelated_text():
    assert cuda.parse_nvcc_version("bash: nvcc: command not found") is None


def test_ldconfig_of_the_h200_host_lists_driver_and_toolkit_libraries():
    found = {}
    for soname, path in cuda.parse_ldconfig((H200 / "ldconfig-p.txt").read_text()):
        found.setdefault(soname, path)  # the loader takes the first entry of the cache
    assert found["libnvidia-ml.so.1"] == "/usr/local/nvidia/lib64/libnvidia-ml.so.1"
    assert found["libcudart.so.13"].startswith("/usr/local/cuda")
    assert "libnvrtc.so.13" not in found  # not a library TensorFlow's GPU check loads


def test_ldconfig_of_the_cpu_host_has_the_toolkit_runtime_but_no_driver():
    sonames = {soname for soname, _ in cuda.parse_ldconfig((CPU_HOST / "ldconfig-p.txt").read_text())}
    assert "libcuda.so.1" not in sonames and "libnvidia-ml.so.1" not in sonames
    assert any(name.startswith("libcudart.so.13") for name in sonames)


def _site_from_h200(tmp_path):
    """A site-packages with the H200 host's nvidia/*/lib files and nvidia-* .dist-info directories."""
    site = tmp_path / "site-packages"
    for line in (H200 / "site-nvidia-libs.txt").read_text().split():
        relative = line.split("/site-packages/", 1)[1]
        (site / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / relative).touch()
    for name in (H200 / "site-nvidia-dists.txt").read_text().split():
        if name.endswith(".dist-info"):
            (site / name).mkdir(parents=True)
            dist, version = name[: -len(".dist-info")].rsplit("-", 1)
            (site / name / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    return site


def test_pip_libraries_of_the_h200_host_with_their_wheel_versions(tmp_path):
    site = _site_from_h200(tmp_path)
    dists = cuda.distributions([str(site)])
    assert dists["nvidia-cudnn-cu13"] == "9.19.0.56" and dists["nvidia-cuda-runtime"] == "13.0.96"
    libraries = {lib.soname: lib for lib in cuda.pip_libraries([str(site)], dists)}
    assert libraries["libcudnn.so.9"].distribution == "nvidia-cudnn-cu13"
    assert libraries["libcudnn.so.9"].version == "9.19.0.56"
    assert libraries["libcudart.so.13"].origin == "pip"
    assert "libcudnn_ops.so.9" not in libraries  # cuDNN's sub-libraries are loaded by cuDNN itself
    wheel_stems = "cudart cublas cublasLt cufft curand cusolver cusparse cudnn nccl nvJitLink".split()
    assert set(wheel_stems) <= {lib.name for lib in libraries.values()}


def test_ld_library_path_directories_are_listed_and_missing_ones_skipped(tmp_path):
    (tmp_path / "libcudnn.so.8").touch()
    (tmp_path / "libfoo.so.1").touch()
    found = cuda.ld_library_path_libraries({"LD_LIBRARY_PATH": f"{tmp_path}:/no/such/dir:"})
    assert [(lib.soname, lib.origin) for lib in found] == [("libcudnn.so.8", "LD_LIBRARY_PATH")]


def test_toolkits_from_cuda_home_version_json_and_usr_local_without_running_nvcc(tmp_path):
    home = tmp_path / "usr/local/cuda-12.5"
    home.mkdir(parents=True)
    (home / "version.json").write_text('{"cuda": {"name": "CUDA SDK", "version": "12.5.1"}}')
    (tmp_path / "usr/local/cuda-11.8").mkdir()
    found = cuda.toolkits({"PATH": "/nonexistent", "CUDA_HOME": str(home)}, run=None, root=str(tmp_path))
    assert [(t.version, t.source) for t in found] == [
        ("12.5", "CUDA_HOME"),
        ("11.8", str(tmp_path / "usr/local/cuda-11.8")),
    ]


def test_toolkit_nvcc_version_comes_from_running_it(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "nvcc").write_text(f"#!/bin/sh\ncat '{CPU_HOST / 'nvcc-version.txt'}'\n")
    (bin_dir / "nvcc").chmod(0o755)
    found = cuda.toolkits({"PATH": str(bin_dir)}, run=runner.run, root=str(tmp_path))
    assert [(t.version, t.source) for t in found] == [("13.0", "nvcc")]
