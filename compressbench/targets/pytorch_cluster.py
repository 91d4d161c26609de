"""Weight clustering (compressbench.clustering): per-layer k-means, shared-centroid fine-tune.

Clustering starts from the trained model, or from another target's network (built_from): the
chain structured pruning -> clustering -> INT8 clusters the narrower pruned network.
The folder holds the dequantized model (`model.pt`, a plain FP32 state dict every runtime can
run; ONNX/OpenVINO variants build on it) and the packed format `model.clusters.npz`
(centroids + bit-packed indices + float32 biases), whose size is `size_packed_bytes`. The
build unpacks the packed file and checks it reproduces model.pt exactly.
"""

from __future__ import annotations

from pathlib import Path

from ..artifacts import write_build_info
from .context import BuildContext
from .target_spec import NARROWER_PARITY, RETRAINED_PARITY, TargetSpec

TARGETS = (
    TargetSpec(
        "pytorch_cluster",
        "pytorch",
        "compressbench.targets.pytorch_cluster:build",
        "PyTorch clustered",
        method="clustering",
        weights="clustered fp32",
        precision="f32",
        reference="pytorch",
        needs_data=True,
        parity_threshold=RETRAINED_PARITY,
        recipe="compression.recipe_clustering",
    ),
    TargetSpec(
        "onnxruntime_cluster",
        "onnxruntime",
        "compressbench.targets.derived:export_source_onnx",
        "ONNX Runtime clustered",
        method="clustering",
        weights="clustered fp32",
        precision="f32",
        reference="onnxruntime",
        built_from="pytorch_cluster",
        parity_threshold=RETRAINED_PARITY,
        recipe="compression.recipe_clustering",
    ),
    TargetSpec(
        "openvino_cluster",
        "openvino",
        "compressbench.targets.openvino_ir:build_fp32_weights",  # fp16 would round the shared values
        "OpenVINO clustered",
        method="clustering",
        weights="clustered fp32",
        precision="f32",
        reference="openvino",
        built_from="onnxruntime_cluster",
        parity_threshold=RETRAINED_PARITY,
        recipe="compression.recipe_clustering",
    ),
    TargetSpec(
        "openvino_cluster_int8",
        "openvino",
        "compressbench.targets.openvino_int8:build",
        "OpenVINO clustered INT8",
        method="ptq_int8",
        weights="int8",
        precision="int8",
        reference="openvino",
        built_from="onnxruntime_cluster",
        needs_data=True,
        parity_threshold=RETRAINED_PARITY,
        runtime_options={"inference_precision": "f32"},
        recipe="compression.recipe_clustering",
    ),
    # The chain structured pruning -> clustering -> INT8: the pruned network clustered, then quantized.
    TargetSpec(
        "pytorch_struct_cluster",
        "pytorch",
        "compressbench.targets.pytorch_cluster:build",
        "PyTorch struct-pruned clustered",
        method="clustering",
        weights="clustered fp32",
        precision="f32",
        reference="pytorch",
        built_from="pytorch_struct",
        needs_data=True,
        parity_threshold=NARROWER_PARITY,
        recipe="compression.recipe_structured_clustered",
    ),
    TargetSpec(
        "onnxruntime_struct_cluster",
        "onnxruntime",
        "compressbench.targets.derived:export_source_onnx",
        "ONNX Runtime struct-pruned clustered",
        method="clustering",
        weights="clustered fp32",
        precision="f32",
        reference="onnxruntime",
        built_from="pytorch_struct_cluster",
        parity_threshold=NARROWER_PARITY,
        recipe="compression.recipe_structured_clustered",
    ),
    TargetSpec(
        "openvino_struct_cluster_int8",
        "openvino",
        "compressbench.targets.openvino_int8:build",
        "OpenVINO struct-pruned clustered INT8",
        method="ptq_int8",
        weights="int8",
        precision="int8",
        reference="openvino",
        built_from="onnxruntime_struct_cluster",
        needs_data=True,
        parity_threshold=NARROWER_PARITY,
        runtime_options={"inference_precision": "f32"},
        recipe="compression.recipe_structured_clustered",
    ),
)

PACKED = "model.clusters.npz"


def build(ctx: BuildContext, out_dir: Path) -> None:
    import torch

    from .. import clustering, recipes
    from ..macs import model_facts
    from ..resize import ARCHITECTURE, save_resized
    from ..training import save_checkpoint

    clusters = recipes.setting(ctx, "clusters", int)
    epochs = recipes.setting(ctx, "cluster_finetune_epochs", int)
    learning_rate = recipes.setting(ctx, "cluster_learning_rate")
    seed = recipes.setting(ctx, "seed", int)
    model = clustering.cluster_model(ctx.source_model(), clusters, seed)  # the trained model, or built_from's
    log = recipes.finetune_from_teacher(ctx, model, epochs, learning_rate, desc="fine-tune")
    books = clustering.codebooks(model)
    model = clustering.bake(model).eval()
    state = model.state_dict()
    if ctx.source_dir is not None and (Path(ctx.source_dir) / ARCHITECTURE).is_file():
        save_resized(model, out_dir)  # a narrower network keeps its layer widths
    else:
        save_checkpoint(model, out_dir / "model.pt")
    packed_bytes = clustering.save_packed(state, books, out_dir / PACKED)
    unpacked = clustering.load_packed(out_dir / PACKED)
    if unpacked.keys() != state.keys() or not all(torch.equal(unpacked[k], state[k]) for k in state):
        raise RuntimeError(f"{out_dir / PACKED}: unpacking does not reproduce model.pt")
    info = {
        **model_facts(model, ctx.spec.input_shape),
        "clusters": clusters,
        "index_bits": max(1, (clusters - 1).bit_length()),
        "size_packed_bytes": packed_bytes,
        "clustered_weights": sum(indices.size for _, indices in books.values()),
        "finetune_epochs": epochs,
        "finetune_learning_rate": learning_rate,
        "finetune_train_accuracy": log[-1]["train_accuracy"] if log else None,
    }
    write_build_info(info, out_dir)
    print({**info, "finetune": log})
