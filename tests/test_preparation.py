"""Timing the preparation in repeats: a cheap build is timed `timings` times (the repeats into throw-away
folders), a long one once; the export is repeated into temporary files and must give the same bytes; the
aggregate's median and range over the timings. Fake builders and a fake clock: nothing here sleeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from compressbench import onnx_export
from compressbench import targets as registry
from compressbench.aggregate import preparation
from compressbench.artifacts import read_build_info
from compressbench.config import ConfigError, default_config
from compressbench.preparation import ONCE, PreparationTimings, combined_preparation
from compressbench.targets import TARGETS
from compressbench.targets.context import BuildContext, TargetBuildError, build_target


class FakeBuild:
    """A builder that takes `cost` seconds on its own clock and writes one model file; `fail_at`: the call
    (0 = the first) that raises instead."""

    def __init__(self, cost: float, fail_at: int | None = None):
        self.now, self.cost, self.fail_at = 0.0, cost, fail_at
        self.folders: list[Path] = []

    def clock(self) -> float:
        return self.now

    def __call__(self, ctx, out_dir: Path) -> None:
        if len(self.folders) == self.fail_at:
            raise RuntimeError("damaged model")
        self.folders.append(out_dir)
        self.now += self.cost
        (out_dir / "model.pt").write_text("weights")


def build_with(monkeypatch, tmp_path, fake: FakeBuild, timings: PreparationTimings = ONCE) -> Path:
    monkeypatch.setattr(registry, "builder", lambda target: fake)
    ctx = BuildContext(spec=None, checkpoint=tmp_path / "weights.pt", settings={}, threads=1)
    out_dir = tmp_path / "models" / "pytorch"
    build_target(TARGETS["pytorch"], ctx, out_dir, timings, clock=fake.clock)
    return out_dir


FIVE_IN_5_S = PreparationTimings(timings=5, build_budget_seconds=5.0)


@pytest.mark.parametrize("cost", [0.001, 1.0])  # 1 s: five timings fill the budget exactly
def test_a_cheap_build_is_timed_every_time_into_throw_away_folders(monkeypatch, tmp_path, cost):
    fake = FakeBuild(cost)
    out_dir = build_with(monkeypatch, tmp_path, fake, FIVE_IN_5_S)
    assert read_build_info(out_dir)["build_repeat_seconds"] == pytest.approx([cost] * 5)
    assert fake.folders[0] == out_dir and (out_dir / "model.pt").is_file()  # the target's folder built first
    repeats = fake.folders[1:]
    assert len(set(repeats)) == 4 and out_dir not in repeats and not any(folder.exists() for folder in repeats)


def test_a_long_build_is_timed_once(monkeypatch, tmp_path):
    fake = FakeBuild(1.01)  # five of it would take longer than the budget: a calibration is not rerun
    out_dir = build_with(monkeypatch, tmp_path, fake, FIVE_IN_5_S)
    assert read_build_info(out_dir)["build_repeat_seconds"] == pytest.approx([1.01])
    assert fake.folders == [out_dir]


def test_a_build_is_timed_once_unless_asked(monkeypatch, tmp_path):
    fake = FakeBuild(0.001)  # a search's trials build with the default
    assert read_build_info(build_with(monkeypatch, tmp_path, fake))["build_repeat_seconds"] == [0.001]


def test_a_repeat_that_fails_leaves_no_folder_and_names_the_target(monkeypatch, tmp_path):
    with pytest.raises(TargetBuildError, match="build of target 'pytorch' failed .*weights.pt.*damaged model"):
        build_with(monkeypatch, tmp_path, FakeBuild(0.001, fail_at=2), FIVE_IN_5_S)
    assert not (tmp_path / "models" / "pytorch").exists()


def test_the_timings_come_from_the_config_section():
    timings = PreparationTimings.from_config(default_config()["preparation"])
    assert timings.timings >= 2 and timings.build_timings(0.0) == timings.timings
    assert timings.build_timings(timings.build_budget_seconds) == 1  # one timing that fills the budget alone
    with pytest.raises(ConfigError, match="preparation: unknown key"):
        PreparationTimings.from_config({**default_config()["preparation"], "repeats": 3})


def test_a_repeated_export_keeps_one_file_and_refuses_one_that_differs(monkeypatch, tmp_path):
    writes = []

    def export(model, input_shape, path, opset):
        writes.append(path)
        path.write_bytes(b"other" if len(writes) == 4 else b"onnx")  # the fourth export differs

    monkeypatch.setattr(onnx_export, "export_onnx", export)
    ticks = iter(range(100))
    seconds = onnx_export.export_repeatedly(None, (1,), tmp_path / "model.onnx", 17, 2, clock=lambda: next(ticks))
    assert seconds == [1, 1] and (tmp_path / "model.onnx").read_bytes() == b"onnx"
    assert {path.name for path in tmp_path.iterdir()} == {"model.onnx"}  # the temporary files are gone
    with pytest.raises(ValueError, match="not deterministic: export 2 of 2 differs"):
        onnx_export.export_repeatedly(None, (1,), tmp_path / "again.onnx", 17, 2)
    assert {path.name for path in tmp_path.iterdir()} == {"model.onnx"}


def test_the_preparation_is_the_median_export_plus_the_median_build_with_the_extremes_paired():
    export = [0.05, 0.01, 0.02, 0.03, 0.04]
    built = preparation("onnxruntime", {"build_repeat_seconds": [0.01, 0.03, 0.02]}, export)
    assert built == pytest.approx(
        {
            "preparation_seconds": 0.03 + 0.02,
            "preparation_seconds_low": 0.01 + 0.01,
            "preparation_seconds_high": 0.05 + 0.03,
            "preparation_timings": 3,  # the fewest of its parts
        }
    )
    # the trained model is not made from the export: its build alone
    alone = preparation("pytorch", {"build_repeat_seconds": [0.3, 0.1, 0.2]}, export)
    assert alone == pytest.approx(
        {
            "preparation_seconds": 0.2,
            "preparation_seconds_low": 0.1,
            "preparation_seconds_high": 0.3,
            "preparation_timings": 3,
        }
    )
    once = preparation("openvino_int8", {"build_repeat_seconds": [2.3]}, export)
    assert once["preparation_timings"] == 1  # a long build timed once: the figure has no range
    assert preparation("onnxruntime", {"build_repeat_seconds": [0.01]}, None) == dict.fromkeys(built)  # no export
    assert combined_preparation([None]) == dict.fromkeys(built)  # a build without timings
