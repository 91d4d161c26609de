import pytest

from compressbench.report.numbers import Numbers
from compressbench.study_report import (
    conclusions,
    curve_keys,
    curves,
    load_strings,
    model_facts,
    plot_curves,
    study_context,
    sweep_facts,
)

KEYS = ["compression.pruning_sparsity", "train.seed"]


def row(run, target, sparsity, seed, accuracy, latency_ms=0.05, model="lenet5"):
    return {
        "run": run,
        "model": model,
        "compression.pruning_sparsity": str(sparsity),
        "train.seed": str(seed),
        "target": target,
        "label": target.upper(),
        "accuracy": str(accuracy),
        "f1_macro": str(accuracy - 0.01),
        "size_bytes": str(100_000 * (1 - sparsity)),
        "latency_p50_ms": str(latency_ms),
        "throughput_ips": "10000",
    }


def study_rows(drop=0.10, noise=0.01):
    rows = []
    for sparsity in (0.25, 0.5, 0.75):
        for seed in (0, 1):
            run = f"s{sparsity}_seed{seed}"
            base = 0.90 + noise * seed
            rows.append(row(run, "pytorch", sparsity, seed, base, 0.2))
            rows.append(row(run, "pytorch_pruned", sparsity, seed, base - drop * sparsity, 0.1))
    return rows


def spread_rows(rows):
    from compressbench.study import seed_spread

    return seed_spread(rows, KEYS)


def test_curves_average_seeds_and_band_is_their_range():
    rows = study_rows()
    pruned = next(
        c for c in curves(rows, KEYS, "compression.pruning_sparsity", "accuracy") if c.target == "pytorch_pruned"
    )
    assert pruned.x == ["0.25", "0.5", "0.75"]
    assert pruned.mean[0] == pytest.approx(0.90 + 0.005 - 0.025)
    assert pruned.low[0] == pytest.approx(0.875) and pruned.high[0] == pytest.approx(0.885)
    assert curve_keys(KEYS) == ["compression.pruning_sparsity"]


@pytest.mark.parametrize(("drop", "resolved"), [(0.10, True), (0.01, False)])
def test_sweep_verdict_flips_with_the_seed_noise(drop, resolved):
    rows = study_rows(drop=drop)
    facts = sweep_facts(curves(rows, KEYS, "compression.pruning_sparsity", "accuracy"), spread_rows(rows))
    pruned = next(f for f in facts if f["target"] == "pytorch_pruned")
    assert pruned["change_pp"] == pytest.approx(-100 * drop * 0.5)
    assert pruned["seed_range_pp"] == pytest.approx(1.0)
    assert pruned["resolved"] is resolved


@pytest.mark.parametrize(("noise", "resolved"), [(0.01, True), (0.2, False)])
def test_best_target_gap_against_seed_range(noise, resolved):
    rows = study_rows(noise=noise)
    (fact,) = model_facts(rows, spread_rows(rows))
    assert fact["best_target"] == "pytorch"
    assert fact["fastest_target"] == "pytorch_pruned"
    assert fact["gap_resolved"] is resolved


def test_conclusions_and_context_in_both_languages(tmp_path):
    rows = study_rows()
    spread = spread_rows(rows)
    for language in ("en", "ru"):
        strings = load_strings(language)
        num = Numbers(language)
        curve_list = curves(rows, KEYS, "compression.pruning_sparsity", "accuracy")
        text = conclusions(model_facts(rows, spread), sweep_facts(curve_list, spread), {}, strings, num)
        assert any("pytorch_pruned" in sentence for sentence in text)
        settings = {"language": language, "title": None, "author": "A & B", "dataset": "digits"}
        context = study_context(rows, spread, KEYS, ["node1"], settings, {"compression.pruning_sparsity": "figures/x"})
        assert len(context["results"]["rows"]) == len(rows)
        assert context["spread"] is not None
    paths = plot_curves(rows, KEYS, "compression.pruning_sparsity", load_strings("en"), tmp_path / "fig")
    assert all(path.stat().st_size > 0 for path in paths)


@pytest.mark.parametrize(
    ("count", "word"),
    [
        (1, "запуск"),
        (2, "запуска"),
        (4, "запуска"),
        (5, "запусков"),
        (11, "запусков"),
        (12, "запусков"),
        (21, "запуск"),
        (22, "запуска"),
    ],
)
def test_russian_plural(count, word):
    from compressbench.study_report import plural

    assert plural(count, load_strings("ru")["runs"]) == word
