from __future__ import annotations

import numpy as np

from .metrics import parity


class ParityError(RuntimeError):
    pass


def check_parity(target: str, reference_logits: np.ndarray, target_logits: np.ndarray, threshold: float) -> dict:
    """Compare a target's test-set logits with PyTorch's; fail below the agreement threshold."""
    result = {"target": target, **parity(reference_logits, target_logits), "threshold": threshold}
    if result["agreement"] < threshold:
        raise ParityError(
            f"target {target}: agrees with PyTorch on {result['agreement']:.4%} of test predictions "
            f"({result['disagreements']} differ, max |Δ logit| {result['max_abs_logit_diff']:.4g}), "
            f"below the threshold {threshold:.2%} (parity.thresholds.{target} in config.yaml)"
        )
    return result
