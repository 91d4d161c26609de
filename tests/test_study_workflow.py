"""The study DAG (dry runs): one module per run, shared data and models, errors naming the key."""

import subprocess

import yaml
from conftest import SNAKEMAKE, TEST_CONFIG, copy_workflow, planned_jobs


def study_config(workdir, study):
    config = yaml.safe_load(TEST_CONFIG.read_text())
    config["study"] = study
    path = workdir / "study.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def test_runs_share_data_and_trained_models(tmp_path):
    workdir = copy_workflow(tmp_path)
    grid = {"train.seed": [0, 1], "compression.calibration_size": [20, 40]}
    jobs = planned_jobs(workdir, study_config(workdir, {"grid": grid}), targets=[])
    trained = sorted(rule for rule in jobs if rule.endswith("_train"))
    # calibration does not change training: one model per seed (named after its first run), linked
    # into every run (results/shared/; a run's weights, spec and training log; dataset and summary)
    assert trained == ["run_seed-0_calibration_size-20_train", "run_seed-1_calibration_size-20_train"]
    assert sorted(rule for rule in jobs if rule.endswith("_prepare_data")) == [
        "run_seed-0_calibration_size-20_prepare_data",
        "run_seed-1_calibration_size-20_prepare_data",
    ]
    assert jobs["share_model"] == 4 * 3
    assert jobs["share_data"] == 4 * 2
    assert jobs["run_seed-1_calibration_size-40_build_target"] == len(
        yaml.safe_load(TEST_CONFIG.read_text())["targets"]
    )
    assert jobs["study_table"] == jobs["study_report"] == 1


def test_a_misspelt_study_setting_stops_the_run_naming_it(tmp_path):
    workdir = copy_workflow(tmp_path)
    config = study_config(workdir, {"grid": {"train.sed": [0, 1]}})
    result = subprocess.run(
        [*SNAKEMAKE, "--dry-run", "--cores", "1", "--configfile", str(config)],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "'train.sed' is not a setting" in result.stdout + result.stderr
