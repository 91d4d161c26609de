from pathlib import Path

from compressbench.logs import logged
from compressbench.model import ModelSpec, load_weights
from compressbench.onnx_export import export_onnx

with logged(snakemake.log[0]):
    spec = ModelSpec.load(snakemake.input.spec)
    model = load_weights(spec, snakemake.input.weights)
    export_onnx(model, spec.input_shape, Path(snakemake.output.onnx), snakemake.params.export["onnx_opset"])
