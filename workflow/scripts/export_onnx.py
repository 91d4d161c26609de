import time
from pathlib import Path

from compressbench.logs import logged
from compressbench.model import load_weights
from compressbench.onnx_export import export_onnx
from compressbench.spec import ModelSpec
from compressbench.tables import write_json

with logged(snakemake.log[0]):
    spec = ModelSpec.load(snakemake.input.spec)
    model = load_weights(spec, snakemake.input.weights)
    start = time.perf_counter()
    export_onnx(model, spec.input_shape, Path(snakemake.output.onnx), snakemake.params.export["onnx_opset"])
    write_json({"seconds": time.perf_counter() - start, "timer": "export_onnx() alone"}, snakemake.output.timing)
