from pathlib import Path

from compressbench.benchmark_app import cross_check, run_benchmark_app, settings_check
from compressbench.logs import logged
from compressbench.model import ModelSpec
from compressbench.tables import read_json, write_json

with logged(snakemake.log[0]):
    target = snakemake.wildcards.target
    spec = ModelSpec.load(snakemake.input.spec)
    ours = read_json(snakemake.input.summary)
    xml = next(Path(snakemake.input.model_dir).glob("*.xml"), None)
    if xml is None:
        raise FileNotFoundError(f"target {target!r}: no OpenVINO IR (.xml) in {snakemake.input.model_dir}")
    precision = snakemake.params.runtime_options.get("inference_precision", "f32")
    runs = []
    for batch_size in dict.fromkeys([1, int(ours["batch_size_best"])]):
        try:
            runs.append(
                run_benchmark_app(
                    xml, [batch_size, *spec.input_shape], snakemake.params.threads, precision, snakemake.params.seconds
                )
            )
        except Exception as error:
            raise RuntimeError(f"benchmark_app for target {target!r} at batch {batch_size}: {error}") from error
    result = {
        "target": target,
        "model": str(xml),
        "threads": snakemake.params.threads,
        "precision": precision,
        "seconds": snakemake.params.seconds,
        "version": runs[0].get("version"),
        "settings_check": settings_check(runs[0]["properties"], ours["runtime_info"]),
        **cross_check(ours, runs),
        "runs": runs,
    }
    write_json(result, snakemake.output.benchmark_app)
    print({key: value for key, value in result.items() if key not in ("runs", "comparison")})
    for row in result["comparison"]:
        print(row)
