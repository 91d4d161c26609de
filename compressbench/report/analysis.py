"""Facts computed from one run's numbers, and the sentences that state them.

Nothing here is written down in advance: which target is fastest, smallest or most
accurate, by how much and whether the difference is resolved, all follow from the
result files, so the text stays true when the numbers change. `facts` holds the
machine-checkable statements (True / False / None = not measured) that the
pros/cons claims refer to by name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .data import ReportData, env_flags
from .i18n import Strings
from .numbers import is_number

BASE_TARGETS = ("pytorch", "onnxruntime", "openvino")
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
COURSEWORK = {
    "pytorch": {"label": "PyTorch", "seconds": 5.84, "size_kib": 246.9, "accuracy": 0.5844, "f1": 0.5825},
    "onnxruntime": {"label": "ONNX", "seconds": 7.70, "size_kib": 243.9, "accuracy": 0.5844, "f1": 0.5825},
    "openvino": {
        "label": "OpenVINO",
        "seconds": 9.28,
        "size_kib": 121.1 + 19.0,
        "size_text": (121.1, 19.0),
        "accuracy": 0.5843,
        "f1": 0.5824,
    },
}
FLAG_NAMES = {
    "avx512bf16": "AVX512_BF16",
    "amxbf16": "AMX_BF16",
    "amxint8": "AMX_INT8",
    "amxfp16": "AMX_FP16",
    "avx512vnni": "AVX512_VNNI",
    "avx512fp16": "AVX512_FP16",
    "avx512f": "AVX512F",
    "avx2": "AVX2",
    "avxvnni": "AVX_VNNI",
}
COURSEWORK_IMAGES = 10_000  # CIFAR-10 test set
BYTES_PER_WEIGHT = {"fp32": 4, "fp16": 2, "int8": 1}
AGREEMENT_SAME = 0.999  # top-1 agreement counted as "same predictions"
SAME_ACCURACY_PP = 0.1  # accuracy spread counted as "same accuracy"
NAIVE_OVERHEAD = 1.2  # naive / tuned ratio counted as "naive is slower"
DRIFT = 0.10  # quarter-to-quarter change of the batch-1 median that the report points out


@dataclass
class Fact:
    value: bool | None  # None: not measured in this run
    detail: str = ""  # the measured evidence, in the report language


@dataclass
class Analysis:
    data: ReportData
    strings: Strings
    facts: dict[str, Fact] = field(default_factory=dict)
    text: dict[str, list[str]] = field(default_factory=dict)  # section -> paragraphs

    # ---- numbers ---------------------------------------------------------------------------------
    def label(self, target: str) -> str:
        row = self.data.row(target)
        return (row or {}).get("label") or target

    def num(self, target: str, key: str):
        value = self.data.value(target, key)
        return value if is_number(value) else None

    def precision(self, target: str) -> str:
        bench = self.data.bench.get(target, {})
        return bench.get("precision") or (self.data.row(target) or {}).get("precision") or "unknown"

    def pname(self, target: str) -> str:
        """Execution precision as printed: FP32, BF16, FP16, INT8; a quantized OpenVINO model runs its
        quantized layers in INT8 and the rest in the precision hint ("INT8 + FP32")."""
        names = {"f32": "FP32", "bf16": "BF16", "f16": "FP16", "int8": "INT8"}
        name = names.get(self.precision(target), self.precision(target).upper())
        if name != "INT8" and "int8" in self.weights_name(target).lower():
            return f"INT8 + {name}"
        return name

    def threads(self, target: str):
        return self.num(target, "threads")

    def present(self, targets=None) -> list[str]:
        return [t for t in (targets or self.data.targets) if self.data.row(t)]

    def base_of(self, target: str) -> str | None:
        """The plain target a compressed variant is compared with: its runtime's FP target."""
        row = self.data.row(target) or {}
        base = row.get("runtime")
        return base if base and base != target and self.data.row(base) else None

    @property
    def variants(self) -> list[str]:
        return [t for t in self.data.targets if t not in BASE_TARGETS]

    def bytes_per_param(self, target: str):
        size, params = self.num(target, "size_bytes"), self.num(target, "params")
        return size / params if size and params else None

    def ci(self, target: str):
        bench = self.data.bench.get(target, {})
        low, high = bench.get("latency_p50_ci_low_ms"), bench.get("latency_p50_ci_high_ms")
        return (low, high) if is_number(low) and is_number(high) else None

    # ---- analysis --------------------------------------------------------------------------------
    def run(self) -> Analysis:
        self.speed()
        self.size()
        self.quality()
        self.execution_precision()
        self.naive()
        self.variant_text()
        self.coursework()
        self.benchmark_app()
        self.conclusion()
        return self

    def ranking(self, key: str, reverse: bool = False, targets=None) -> list[str]:
        measured = [t for t in self.present(targets) if self.num(t, key) is not None]
        return sorted(measured, key=lambda t: self.num(t, key), reverse=reverse)

    def speed(self) -> None:
        s = self.strings
        out = self.text.setdefault("speed", [])
        self.speed_batch1(out)
        self.speed_best_batch(out)
        self.speed_test_set(out)
        if any(b.get("timer") for b in self.data.bench.values()):
            # the bench's own timer strings are English; the report says the same in its language
            out.append(s.say("timer_note", timer=s.timer_bench))
        self.speed_facts()

    def speed_batch1(self, out: list[str]) -> None:
        s, n = self.strings, self.strings.num
        latency = self.ranking("latency_p50_ms")
        if len(latency) < 2:
            if not self.data.bench:
                out.append(s.no_bench)
            return
        fast, second = latency[0], latency[1]
        fast_ci, second_ci = self.ci(fast), self.ci(second)
        none = (None, None)
        out.append(
            s.say(
                "speed_batch1",
                fast=self.label(fast),
                fast_ms=n.ms(self.num(fast, "latency_p50_ms")),
                fast_lo=n.sig((fast_ci or none)[0]),
                fast_hi=n.sig((fast_ci or none)[1]),
                second=self.label(second),
                second_ms=n.ms(self.num(second, "latency_p50_ms")),
                second_lo=n.sig((second_ci or none)[0]),
                second_hi=n.sig((second_ci or none)[1]),
                ratio=s.times(self.num(second, "latency_p50_ms") / self.num(fast, "latency_p50_ms")),
                threads=n.integer(self.threads(fast)),
            )
        )
        if fast_ci and second_ci:
            overlap = fast_ci[1] >= second_ci[0] and second_ci[1] >= fast_ci[0]
            out.append(s.ci_overlap if overlap else s.ci_separate)
            self.facts["fastest_batch1_resolved"] = Fact(not overlap)
        else:
            out.append(s.ci_missing)
        self.latency_drift(out)

    def speed_best_batch(self, out: list[str]) -> None:
        s, n = self.strings, self.strings.num
        throughput = self.ranking("throughput_ips", reverse=True)
        if len(throughput) < 2:
            return
        fast, second = throughput[0], throughput[1]
        out.append(
            s.say(
                "speed_best",
                fast=self.label(fast),
                fast_ips=n.integer(self.num(fast, "throughput_ips")),
                fast_batch=n.integer(self.num(fast, "batch_size_best")),
                second=self.label(second),
                second_ips=n.integer(self.num(second, "throughput_ips")),
                second_batch=n.integer(self.num(second, "batch_size_best")),
                ratio=s.times(self.num(fast, "throughput_ips") / self.num(second, "throughput_ips")),
            )
        )

    def speed_test_set(self, out: list[str]) -> None:
        s, n = self.strings, self.strings.num
        timed = self.ranking("test_set_seconds")
        if len(timed) >= 2:
            fast, slow = timed[0], timed[-1]
            metrics = self.data.metrics.get(fast, {})
            out.append(
                s.say(
                    "speed_test_set",
                    images=n.integer(metrics.get("test_images") or self.data.dataset.get("test_images")),
                    batch=n.integer(self.num(fast, "test_set_batch_size")),
                    threads=n.integer(self.threads(fast)),
                    passes=n.integer(self.num(fast, "repeats")),
                    fast=self.label(fast),
                    fast_s=n.seconds(self.num(fast, "test_set_seconds")),
                    slow=self.label(slow),
                    slow_s=n.seconds(self.num(slow, "test_set_seconds")),
                    ratio=s.times(self.num(slow, "test_set_seconds") / self.num(fast, "test_set_seconds")),
                )
            )
        elif timed:
            out.append(
                s.say(
                    "speed_single", fast=self.label(timed[0]), fast_s=n.seconds(self.num(timed[0], "test_set_seconds"))
                )
            )

    def speed_facts(self) -> None:
        """Pairwise and extreme speed facts, on every basis."""
        bases = {
            "batch1": ("latency_p50_ms", False),
            "best_batch": ("throughput_ips", True),
            "test_set": ("test_set_seconds", False),
        }
        for basis, (key, higher_better) in bases.items():
            self.pairwise_speed_facts(basis, key, higher_better)
            self.extreme_speed_facts(basis, self.ranking(key, reverse=higher_better))

    def pairwise_speed_facts(self, basis: str, key: str, higher_better: bool) -> None:
        for a in self.data.targets:
            for b in self.data.targets:
                if a == b:
                    continue
                va, vb = self.num(a, key), self.num(b, key)
                name = f"{a}_faster_than_{b}_{basis}"
                if va is None or vb is None:
                    self.facts[name] = Fact(None, self.strings.not_measured)
                    continue
                faster = va > vb if higher_better else va < vb
                self.facts[name] = Fact(faster, self.speed_detail(basis, [a, b]))

    def extreme_speed_facts(self, basis: str, order: list[str]) -> None:
        not_measured = self.strings.not_measured
        for t in self.data.targets:
            measured = len(order) >= 2 and t in order
            self.facts[f"{t}_fastest_{basis}"] = Fact(
                (order[0] == t) if measured else None,
                self.speed_detail(basis, order) if measured else not_measured,
            )
            self.facts[f"{t}_slowest_{basis}"] = Fact(
                (order[-1] == t) if measured else None,
                self.speed_detail(basis, order) if measured else not_measured,
            )

    def latency_drift(self, out: list[str]) -> None:
        """Name the targets whose batch-1 median moved by more than DRIFT between quarters of the run."""
        s, n = self.strings, self.strings.num
        drifting = [
            f"{self.label(t)} ({' / '.join(n.sig(q) for q in b['latency_quarter_p50_ms'])})"
            for t, b in self.data.bench.items()
            if is_number(b.get("latency_drift")) and b["latency_drift"] > DRIFT
        ]
        if drifting:
            out.append(s.say("latency_drift", drift=n.percent(DRIFT, 0), items="; ".join(drifting)))

    def speed_detail(self, basis: str, targets: list[str]) -> str:
        n = self.strings.num
        items = []
        for t in targets:
            if basis == "batch1":
                value = n.ms(self.num(t, "latency_p50_ms"))
            elif basis == "best_batch":
                ips = n.integer(self.num(t, "throughput_ips"))
                unit = "изобр./с" if self.strings.language == "ru" else "img/s"
                value = f"{ips} {unit} (b={n.integer(self.num(t, 'batch_size_best'))})"
            else:
                value = n.seconds(self.num(t, "test_set_seconds"))
            items.append(f"{self.label(t)} {value}")
        suffix = {"batch1": "p50, b=1", "best_batch": "", "test_set": ""}[basis]
        threads = self.threads(targets[0]) if targets else None
        thread_text = (
            f"{n.integer(threads)} thr." if self.strings.language == "en" else f"потоков: {n.integer(threads)}"
        )
        extra = ", ".join(x for x in (suffix, thread_text if threads else "") if x)
        return "; ".join(items) + (f" ({extra})" if extra else "")

    def weights_name(self, target: str) -> str:
        weights = str((self.data.row(target) or {}).get("weights") or "")
        return weights.upper().replace("SPARSE ", "sparse ") or "?"

    def size(self) -> None:
        out = self.text.setdefault("size", [])
        order = self.ranking("size_bytes")
        if not order:
            return
        self.size_text(out, order)
        self.size_facts(order)
        self.variant_size_facts()

    def size_text(self, out: list[str], order: list[str]) -> None:
        s, n = self.strings, self.strings.num
        small, large = order[0], order[-1]
        out.append(
            s.say(
                "size_smallest",
                small=self.label(small),
                small_kib=n.kib_unit(self.num(small, "size_bytes")),
                params=n.integer(self.num(small, "params")),
                small_bpp=n.fixed(self.bytes_per_param(small), 2),
                small_weights=self.weights_name(small),
                large=self.label(large),
                large_kib=n.kib_unit(self.num(large, "size_bytes")),
                large_bpp=n.fixed(self.bytes_per_param(large), 2),
            )
        )
        items = [f"{self.label(t)} {n.fixed(self.bytes_per_param(t), 2)}" for t in order]
        out.append(s.say("size_bpp_list", items="; ".join(items)))
        out.append(s.size_why)

    def size_facts(self, order: list[str]) -> None:
        s = self.strings
        for t in self.data.targets:
            self.facts[f"{t}_smallest"] = Fact(order[0] == t, self.size_detail(order))
        family = [t for t in order if t in BASE_TARGETS]
        detail = self.size_detail(family)
        self.facts["openvino_smallest_fp32_family"] = Fact(
            (family[0] == "openvino") if "openvino" in family and len(family) >= 2 else None,
            detail if len(family) >= 2 else s.not_measured,
        )
        ov, onnx, pt = (self.bytes_per_param(t) if self.data.row(t) else None for t in BASE_TARGETS[::-1])
        self.facts["openvino_fp16_weights_half_size"] = Fact(
            (ov <= 0.6 * onnx) if ov and onnx else None,
            self.size_detail(["onnxruntime", "openvino"]) if ov and onnx else s.not_measured,
        )
        self.facts["onnx_smaller_than_pytorch"] = Fact(
            (onnx < pt) if onnx and pt else None,
            self.size_detail(["pytorch", "onnxruntime"]) if onnx and pt else s.not_measured,
        )
        self.facts["onnx_about_pytorch_size"] = Fact(
            (abs(onnx / pt - 1) < 0.1) if onnx and pt else None,
            self.size_detail(["pytorch", "onnxruntime"]) if onnx and pt else s.not_measured,
        )

    def variant_size_facts(self) -> None:
        for t in self.variants:
            base = self.base_of(t)
            name = f"{t}_smaller_than_base"
            if base:
                smaller = self.num(t, "size_bytes") < self.num(base, "size_bytes")
                self.facts[name] = Fact(smaller, self.size_detail([base, t]))
            else:
                self.facts[name] = Fact(None, self.strings.not_measured)

    def size_detail(self, targets: list[str]) -> str:
        n = self.strings.num
        unit = "Б/парам." if self.strings.language == "ru" else "B/param"
        return "; ".join(
            f"{self.label(t)} {n.kib_unit(self.num(t, 'size_bytes'))} ({n.fixed(self.bytes_per_param(t), 2)} {unit})"
            for t in targets
            if self.data.row(t)
        )

    def quality(self) -> None:
        out = self.text.setdefault("quality", [])
        order = self.ranking("accuracy")
        if not order:
            return
        self.quality_text(out, order)
        self.quality_facts()

    def quality_text(self, out: list[str], order: list[str]) -> None:
        s, n = self.strings, self.strings.num
        low, high = order[0], order[-1]
        spread = 100 * (self.num(high, "accuracy") - self.num(low, "accuracy"))
        if spread == 0:
            out.append(s.say("quality_identical", acc=n.fixed(self.num(low, "accuracy"), 4)))
        else:
            out.append(
                s.say(
                    "quality_range",
                    low=n.fixed(self.num(low, "accuracy"), 4),
                    low_target=self.label(low),
                    high=n.fixed(self.num(high, "accuracy"), 4),
                    high_target=self.label(high),
                    spread=n.pp(spread, signed=False),
                )
            )
        others = [t for t in self.data.targets if t != "pytorch" and self.num(t, "agreement") is not None]
        if others:
            worst = min(others, key=lambda t: self.num(t, "agreement"))
            diff = max(self.num(t, "max_abs_logit_diff") or 0 for t in others)
            out.append(
                s.say(
                    "quality_agreement",
                    agreement=n.percent(self.num(worst, "agreement")),
                    target=self.label(worst),
                    diff=n.small(diff),
                )
            )
        out.append(s.quality_averaging)
        self.spread_pp = spread

    def quality_facts(self) -> None:
        s, n = self.strings, self.strings.num
        base = [t for t in BASE_TARGETS if self.num(t, "accuracy") is not None]
        if len(base) >= 2:
            accs = [self.num(t, "accuracy") for t in base]
            detail = "; ".join(f"{self.label(t)} {n.fixed(self.num(t, 'accuracy'), 4)}" for t in base)
            self.facts["accuracy_equal_across_runtimes"] = Fact(
                100 * (max(accs) - min(accs)) < SAME_ACCURACY_PP, detail
            )
        else:
            self.facts["accuracy_equal_across_runtimes"] = Fact(None, s.not_measured)
        for t in self.data.targets:
            agreement = self.num(t, "agreement")
            detail = (
                f"{self.label(t)}: {n.percent(agreement)}, max |Δlogit| {n.small(self.num(t, 'max_abs_logit_diff'))}"
                if agreement is not None
                else s.not_measured
            )
            self.facts[f"{t}_predictions_match_pytorch"] = Fact(
                agreement >= AGREEMENT_SAME if agreement is not None else None, detail
            )
            delta = self.num(t, "accuracy_delta_pp")
            self.facts[f"{t}_accuracy_within_1pp"] = Fact(
                abs(delta) <= 1.0 if delta is not None else None,
                f"{self.label(t)}: Δ {n.pp(delta)}" if delta is not None else s.not_measured,
            )

    def execution_precision(self) -> None:
        s = self.strings
        out = self.text.setdefault("precision", [])
        items = [f"{self.label(t)} {self.pname(t)}" for t in self.data.targets]
        out.append(s.say("precision_list", items="; ".join(items)))
        flags = env_flags(self.data.environment)
        has_bf16 = bool(flags & {"avx512bf16", "amxbf16"}) if flags else None
        ov_targets = [t for t in self.data.targets if (self.data.row(t) or {}).get("runtime") == "openvino"]
        ov_precisions = sorted({self.pname(t) for t in ov_targets})
        key = {True: "has_bf16_yes", False: "has_bf16_no", None: "has_bf16_unknown"}[has_bf16]
        if ov_targets:
            out.append(s.say("precision_openvino", has_bf16=s[key], ov_precision=" / ".join(ov_precisions)))
        flag_text = ", ".join(sorted(FLAG_NAMES.get(f, f) for f in flags if "bf16" in f or "amx" in f)) or s.none_found
        self.facts["cpu_has_native_bf16"] = Fact(has_bf16, flag_text if flags else s.not_measured)
        # the FP32-trained models OpenVINO runs in floating point (INT8 variants are another question)
        ov_targets = [
            t for t in ov_targets if self.precision(t) != "int8" and "int8" not in self.weights_name(t).lower()
        ]
        ov_detail = "; ".join(f"{self.label(t)} {self.pname(t)}" for t in ov_targets)
        self.facts["openvino_executes_bf16"] = Fact(
            any(self.precision(t) == "bf16" for t in ov_targets) if ov_targets else None,
            ov_detail or s.not_measured,
        )
        self.facts["openvino_executes_fp32"] = Fact(
            all(self.precision(t) == "f32" for t in ov_targets) if ov_targets else None,
            ov_detail or s.not_measured,
        )

    def naive(self) -> None:
        s, n = self.strings, self.strings.num
        out = self.text.setdefault("naive", [])
        rows = []
        for t in self.data.targets:
            naive, tuned = self.num(t, "naive_test_set_seconds"), self.num(t, "tuned_test_set_seconds")
            name = f"{t}_naive_slower_than_tuned"
            if naive and tuned:
                ratio = naive / tuned
                detail = s.say(
                    "naive_row",
                    target=self.label(t),
                    naive=n.seconds(naive),
                    tuned=n.seconds(tuned),
                    ratio=n.ratio(ratio),
                )
                rows.append((t, ratio, detail))
                self.facts[name] = Fact(ratio > NAIVE_OVERHEAD, detail)
            else:
                self.facts[name] = Fact(None, s.not_measured)
        self.naive_rows = rows
        if not rows:
            out.append(s.naive_missing)
            return
        out.append(s.say("naive_summary", items="; ".join(d for _, _, d in rows)))
        slower = [self.label(t) for t, r, _ in rows if r > NAIVE_OVERHEAD]
        not_slower = [self.label(t) for t, r, _ in rows if r <= NAIVE_OVERHEAD]
        if slower:
            out.append(s.say("naive_overhead", targets=s.join(slower)))
        if not_slower:
            out.append(s.say("naive_not_slower", targets=s.join(not_slower), threshold=n.ratio(NAIVE_OVERHEAD, 1)))
        best = [
            (t, self.num(t, "naive_test_set_seconds") / self.num(t, "best_batch_test_set_seconds"))
            for t, _, _ in rows
            if self.num(t, "best_batch_test_set_seconds")
        ]
        if best:
            low, high = min(r for _, r in best), max(r for _, r in best)
            out.append(s.say("naive_batching", low=n.fixed(low, 1), high=s.times(high, 1)))

    def variant_text(self) -> None:
        s, n = self.strings, self.strings.num
        out = self.text.setdefault("variants", [])
        if not self.variants:
            out.append(s.variants_none)
            return
        for t in self.variants:
            base = self.base_of(t)
            speed = s.variant_no_speed
            if base and self.num(t, "latency_p50_ms") and self.num(base, "latency_p50_ms"):
                ratio = self.num(base, "latency_p50_ms") / self.num(t, "latency_p50_ms")
                speed = s.say(
                    "variant_speed",
                    ms=n.ms(self.num(t, "latency_p50_ms")),
                    base=self.label(base),
                    base_ms=n.ms(self.num(base, "latency_p50_ms")),
                    speedup=self.speedup_text(ratio),
                )
                self.facts[f"{t}_faster_than_base"] = Fact(ratio > 1, speed)
            elif base and self.num(t, "test_set_seconds") and self.num(base, "test_set_seconds"):
                ratio = self.num(base, "test_set_seconds") / self.num(t, "test_set_seconds")
                speed = s.say(
                    "variant_speed_test_set",
                    s=n.seconds(self.num(t, "test_set_seconds")),
                    base=self.label(base),
                    base_s=n.seconds(self.num(base, "test_set_seconds")),
                    speedup=self.speedup_text(ratio),
                )
                self.facts[f"{t}_faster_than_base"] = Fact(ratio > 1, speed)
            else:
                self.facts[f"{t}_faster_than_base"] = Fact(None, s.not_measured)
            out.append(
                s.say(
                    "variant_row",
                    target=self.label(t),
                    kib=n.kib_unit(self.num(t, "size_bytes")),
                    ratio=s.times(self.num(t, "compression_ratio")),
                    delta=n.pp(self.num(t, "accuracy_delta_pp")),
                    agreement=n.percent(self.num(t, "agreement")),
                    speed=speed,
                )
            )

    def speedup_text(self, ratio: float) -> str:
        s = self.strings
        if ratio >= 1:
            return f"{s.times(ratio)} {s.faster}" if s.language == "en" else f"в {s.times(ratio)} {s.faster}"
        return f"{s.times(1 / ratio)} {s.slower}" if s.language == "en" else f"в {s.times(1 / ratio)} {s.slower}"

    def coursework(self) -> None:
        s, n = self.strings, self.strings.num
        out = self.text.setdefault("coursework", [])
        out.append(s.coursework_intro)
        base = [t for t in BASE_TARGETS if self.data.row(t)]
        cw_order = sorted(base, key=lambda t: COURSEWORK[t]["seconds"])
        naive = [t for t in base if self.num(t, "naive_test_set_seconds")]
        if len(naive) == len(base) and len(base) >= 2:
            order = sorted(base, key=lambda t: self.num(t, "naive_test_set_seconds"))
            basis = s.coursework_basis_naive
        else:
            order = sorted(
                (t for t in base if self.num(t, "test_set_seconds")), key=lambda t: self.num(t, "test_set_seconds")
            )
            basis = s.coursework_basis_test_set
        if len(order) >= 2:
            cw_text = " < ".join(COURSEWORK[t]["label"] for t in cw_order)
            this_text = s.coursework_order_same if order == cw_order else " < ".join(self.label(t) for t in order)
            out.append(s.say("coursework_order", cw_order=cw_text, basis=basis, order=this_text))
            self.facts["coursework_speed_order_reproduced"] = Fact(
                order == cw_order, " < ".join(self.label(t) for t in order)
            )
            key = "naive_test_set_seconds" if basis == s.coursework_basis_naive else "test_set_seconds"
            cw_items = "; ".join(
                f"{COURSEWORK[t]['label']} {n.ms(1000 * COURSEWORK[t]['seconds'] / COURSEWORK_IMAGES)}"
                for t in cw_order
            )
            images = self.data.dataset.get("test_images")
            items = "; ".join(
                f"{self.label(t)} {n.ms(1000 * self.num(t, key) / images) if images else n.missing}" for t in order
            )
            out.append(s.say("coursework_per_image", cw_items=cw_items, basis=basis, items=items))
        else:
            self.facts["coursework_speed_order_reproduced"] = Fact(None, s.not_measured)
        if base:
            sizes = "; ".join(f"{self.label(t)} {n.kib_unit(self.num(t, 'size_bytes'))}" for t in base)
            out.append(s.say("coursework_size", sizes=sizes))
        acc = n.fixed(self.num("pytorch", "accuracy"), 4) if self.data.row("pytorch") else n.missing
        source = self.data.dataset.get("source")
        epochs = len(self.data.train_log)
        if source == "cifar10":
            out.append(s.say("coursework_accuracy_same_data", acc=acc, epochs=n.integer(epochs)))
        elif self.is_cifar_copy():
            out.append(s.say("coursework_accuracy_same_data", acc=acc, epochs=n.integer(epochs)))
            out.append(s.coursework_imagefolder_cifar)
        else:
            out.append(s.say("coursework_accuracy_other_data", dataset=self.dataset_name(), acc=acc))

    def is_cifar_copy(self) -> bool:
        names = [str(c).lower() for c in self.data.dataset.get("class_names", [])]
        return self.data.dataset.get("source") == "imagefolder" and sorted(names) == sorted(CIFAR10_CLASSES)

    def dataset_name(self) -> str:
        source = self.data.dataset.get("source", "")
        key = f"dataset_{source}"
        return self.strings.texts.get(key, source)

    def benchmark_app(self) -> None:
        s, n = self.strings, self.strings.num
        out = self.text.setdefault("benchmark_app", [])
        items = []
        for t, app in self.data.benchmark_app.items():
            rows = {row.get("batch_size"): row for row in app.get("comparison", [])}
            one = rows.get(1, {})
            app_ms, own = one.get("benchmark_app_latency_median_ms"), self.num(t, "latency_p50_ms")
            if is_number(app_ms) and own:
                items.append(
                    s.say(
                        "benchmark_app_row",
                        target=self.label(t),
                        app_ms=n.ms(app_ms),
                        own_ms=n.ms(own),
                        ratio=n.ratio(own / app_ms),
                    )
                )
                self.facts[f"{t}_benchmark_app_agrees"] = Fact(own / app_ms <= 1.5, items[-1])
        if items:
            out.append(s.say("benchmark_app_summary", items="; ".join(items)))
        elif any((self.data.row(t) or {}).get("runtime") == "openvino" for t in self.data.targets):
            out.append(s.benchmark_app_missing)

    def conclusion(self) -> None:
        s, n = self.strings, self.strings.num
        out = self.text.setdefault("conclusion", [])
        self.conclusion_speed(out)
        sizes = self.ranking("size_bytes")
        if sizes:
            out.append(
                s.say(
                    "conclusion_size",
                    small=self.label(sizes[0]),
                    small_kib=n.kib_unit(self.num(sizes[0], "size_bytes")),
                    bpp=n.fixed(self.bytes_per_param(sizes[0]), 2),
                )
            )
        if hasattr(self, "spread_pp"):
            out.append(s.say("conclusion_quality", spread=n.pp(self.spread_pp, signed=False)))

    def conclusion_speed(self, out: list[str]) -> None:
        """The fastest target at batch 1 and at its best batch; the whole-test-set time only without batch 1."""
        s, n = self.strings, self.strings.num
        latency = self.ranking("latency_p50_ms")
        if latency:
            t = latency[0]
            out.append(
                s.say(
                    "conclusion_batch1",
                    target=self.label(t),
                    ms=n.ms(self.num(t, "latency_p50_ms")),
                    threads=n.integer(self.threads(t)),
                    precision=self.pname(t),
                )
            )
        throughput = self.ranking("throughput_ips", reverse=True)
        if throughput:
            t = throughput[0]
            out.append(
                s.say(
                    "conclusion_best_batch",
                    target=self.label(t),
                    ips=n.integer(self.num(t, "throughput_ips")),
                    batch=n.integer(self.num(t, "batch_size_best")),
                    threads=n.integer(self.threads(t)),
                    precision=self.pname(t),
                )
            )
        timed = self.ranking("test_set_seconds")
        if timed and not latency:
            t = timed[0]
            out.append(
                s.say(
                    "conclusion_test_set",
                    target=self.label(t),
                    s=n.seconds(self.num(t, "test_set_seconds")),
                    batch=n.integer(self.num(t, "test_set_batch_size")),
                    threads=n.integer(self.threads(t)),
                    precision=self.pname(t),
                )
            )


def analyse(data: ReportData, strings: Strings) -> Analysis:
    return Analysis(data, strings).run()


def pareto_front(points: dict[str, tuple[float, ...]], maximize: tuple[bool, ...]) -> set[str]:
    """Names of points no other point dominates (at least as good everywhere, better somewhere)."""

    def better_or_equal(a, b):
        return all((x >= y) if up else (x <= y) for x, y, up in zip(a, b, maximize, strict=True))

    front = set()
    for name, point in points.items():
        if any(math.isnan(v) for v in point):
            continue
        dominated = any(other != name and better_or_equal(q, point) and q != point for other, q in points.items())
        if not dominated:
            front.add(name)
    return front
