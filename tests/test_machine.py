"""The machine description: one /proc/cpuinfo reader, facts detected (never written in code)."""

import json

import numpy as np

from compressbench import machine

CPUINFO = """\
processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480+
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse avx2 avx512f avx512_bf16 avx512_vnni amx_bf16 amx_int8 amx_tile

processor\t: 1
vendor_id\t: GenuineIntel
model name\t: other
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu

processor\t: 2
physical id\t: 0
core id\t\t: 1
"""


def test_cpuinfo_blocks_cores_and_flags(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text(CPUINFO)
    blocks = machine.read_cpuinfo(path)
    assert len(blocks) == 3 and blocks[0]["model name"] == "Intel(R) Xeon(R) Platinum 8480+"
    assert machine.physical_cores(blocks) == 2  # processors 0 and 1 are hyperthreads of one core
    assert machine.has_vnni(blocks)
    isa = machine.isa_features(machine.cpu_flags(blocks))
    assert isa["AVX2"] and isa["AVX-512F"] and isa["AVX-512 BF16"] and isa["AMX-BF16"] and isa["AMX-INT8"]
    assert isa["AVX-VNNI"] is False and isa["AVX-512 FP16"] is False


def test_unreadable_cpuinfo_means_unknown_not_absent(tmp_path):
    blocks = machine.read_cpuinfo(tmp_path / "missing")
    assert blocks == [] and not machine.has_vnni(blocks)
    assert set(machine.isa_features(machine.cpu_flags(blocks)).values()) == {None}
    assert machine.physical_cores(blocks) >= 1


def test_describe_machine(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text(CPUINFO)
    environment = machine.describe_machine(threads=3, cpuinfo_path=path)
    assert environment["cpu_model"] == "Intel(R) Xeon(R) Platinum 8480+"
    assert environment["cpu_vendor"] == "GenuineIntel"
    assert environment["physical_cores"] == 2 and environment["threads_configured"] == 3
    assert environment["libraries"]["numpy"] == np.__version__
    assert environment["hostname"] and environment["usable_cpus"] >= 1
    assert environment["virtual_machine"] is False  # no hypervisor flag in the sample
    path.write_text(CPUINFO.replace("flags\t\t: fpu sse", "flags\t\t: fpu hypervisor sse"))
    assert machine.describe_machine(cpuinfo_path=path)["virtual_machine"] is True
    path.write_text("")
    assert machine.describe_machine(cpuinfo_path=path)["virtual_machine"] is None
    json.dumps(environment)
