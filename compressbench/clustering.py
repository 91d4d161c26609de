"""Weight clustering (weight sharing, Han et al., Deep Compression 2016).

Each conv/linear weight tensor is replaced by `clusters` shared values (per-layer k-means,
scikit-learn) and one small index per weight. During the optional fine-tune the weights are a
`torch.nn.utils.parametrize` view `centroids[indices]`: gradients of all weights of a cluster
sum into its centroid, so the layer keeps exactly `clusters` distinct values. The packed format
stores centroids (float32) and the indices bit-packed at ceil(log2(clusters)) bits, other
tensors (biases) as float32, in an uncompressed .npz loaded with allow_pickle=False.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize

CLUSTERED_LAYERS = (nn.Conv2d, nn.Linear)


def kmeans_codebook(values: np.ndarray, clusters: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(centroids float32, index of each value): 1-D k-means with k-means++ seeding."""
    from sklearn.cluster import KMeans

    clusters = min(clusters, len(np.unique(values)))
    kmeans = KMeans(n_clusters=clusters, n_init=3, random_state=seed).fit(values.reshape(-1, 1).astype(np.float64))
    return kmeans.cluster_centers_.ravel().astype(np.float32), kmeans.labels_.astype(np.int64)


class SharedCentroids(nn.Module):
    """Parametrization weight = centroids[indices]: the trainable tensor is the centroids."""

    def __init__(self, indices: torch.Tensor, clusters: int):
        super().__init__()
        self.register_buffer("indices", indices)
        self.clusters = clusters

    def forward(self, centroids: torch.Tensor) -> torch.Tensor:
        return centroids[self.indices]

    def right_inverse(self, weight: torch.Tensor) -> torch.Tensor:
        """Centroids from a weight tensor: each cluster's mean."""
        sums = torch.zeros(self.clusters, dtype=weight.dtype).index_add_(0, self.indices.ravel(), weight.ravel())
        counts = torch.bincount(self.indices.ravel(), minlength=self.clusters).clamp(min=1)
        return sums / counts


def cluster_model(model: nn.Module, clusters: int, seed: int) -> nn.Module:
    """Cluster every conv/linear weight in place; weights become centroid views until `bake`."""
    if not 2 <= clusters <= 256:
        raise ValueError(f"compression.clusters={clusters}: must be between 2 and 256")
    for module in model.modules():
        if isinstance(module, CLUSTERED_LAYERS):
            weight = module.weight.detach()
            centroids, labels = kmeans_codebook(weight.numpy().ravel(), clusters, seed)
            indices = torch.from_numpy(labels).reshape(weight.shape)
            parametrize.register_parametrization(module, "weight", SharedCentroids(indices, len(centroids)))
            with torch.no_grad():
                module.parametrizations.weight.original.copy_(torch.from_numpy(centroids))
    return model


def codebooks(model: nn.Module) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{weight name: (centroids, indices)} of the clustered layers."""
    books = {}
    for name, module in model.named_modules():
        if parametrize.is_parametrized(module, "weight"):
            centroids = module.parametrizations.weight.original.detach().numpy().astype(np.float32)
            books[f"{name}.weight"] = (centroids, module.parametrizations.weight[0].indices.numpy())
    return books


def bake(model: nn.Module) -> nn.Module:
    """Replace the centroid views by plain (dequantized) weight tensors."""
    for module in model.modules():
        if parametrize.is_parametrized(module, "weight"):
            parametrize.remove_parametrizations(module, "weight", leave_parametrized=True)
    return model


def pack_bits(indices: np.ndarray, bits: int) -> np.ndarray:
    """Indices as a bit stream, `bits` per index, most significant bit first."""
    flat = indices.ravel().astype(np.uint16)
    return np.packbits(((flat[:, None] >> np.arange(bits - 1, -1, -1)) & 1).astype(np.uint8))


def unpack_bits(packed: np.ndarray, bits: int, count: int) -> np.ndarray:
    stream = np.unpackbits(packed)[: count * bits].reshape(count, bits).astype(np.int64)
    return stream @ (1 << np.arange(bits - 1, -1, -1))


def save_packed(state: dict[str, torch.Tensor], books: dict, path: Path) -> int:
    """Write the packed model (centroids + bit-packed indices + other tensors); return its bytes."""
    arrays = {}
    for name, tensor in state.items():
        if name in books:
            centroids, indices = books[name]
            bits = max(1, math.ceil(math.log2(len(centroids))))
            arrays[f"{name}:centroids"] = centroids
            arrays[f"{name}:indices"] = pack_bits(indices, bits)
            arrays[f"{name}:shape"] = np.array(indices.shape, dtype=np.int32)
        else:
            arrays[name] = tensor.numpy().astype(np.float32)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    return Path(path).stat().st_size


def load_packed(path: Path) -> dict[str, torch.Tensor]:
    """The dequantized state dict of a packed model."""
    state = {}
    with np.load(path, allow_pickle=False) as arrays:
        for key in arrays.files:
            name, _, part = key.partition(":")
            if not part:
                state[name] = torch.from_numpy(arrays[key])
            elif part == "centroids":
                centroids, shape = arrays[key], tuple(arrays[f"{name}:shape"])
                bits = max(1, math.ceil(math.log2(len(centroids))))
                indices = unpack_bits(arrays[f"{name}:indices"], bits, int(np.prod(shape)))
                state[name] = torch.from_numpy(centroids[indices].reshape(shape))
    return state
