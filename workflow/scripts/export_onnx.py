from pathlib import Path

from compressbench.logs import logged
from compressbench.model import load_weights
from compressbench.onnx_export import export_repeatedly
from compressbench.spec import ModelSpec
from compressbench.tables import write_json

with logged(snakemake.log[0]):
    spec = ModelSpec.load(snakemake.input.spec)
    model = load_weights(spec, snakemake.input.weights)
    onnx_path = Path(snakemake.output.onnx)
    opset, timings = snakemake.params.export["onnx_opset"], snakemake.params.timings
    seconds = export_repeatedly(model, spec.input_shape, onnx_path, opset, timings)
    write_json({"repeat_seconds": seconds, "timer": "export_onnx() alone, each repeat to a new file"}, snakemake.output.timing)
