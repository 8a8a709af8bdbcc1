"""fp32 Linear layers of a loaded model run by oneDNN on weights packed once (issue 23, sixth pass).

Why: torch runs an fp32 ``nn.Linear`` through MKL's sgemm, which on a CPU that is not Intel's (this
machine: AMD EPYC, Zen 5 with AVX-512) takes a slower code path. oneDNN chooses its kernels by the
CPU's instruction sets, not its vendor, and a weight reordered once into its blocked layout is not
reordered at each call: measured on the e5-small shapes, half the CPU per product, and the whole fp32
document encode ~0.55x its CPU (docs/decisions.md, "Scale to a province", sixth pass). It is the path
torch's own compiler takes for fp32 linears on CPU (``mkldnn::_linear_pointwise`` on a weight from
``mkldnn::_reorder_linear_weight``).

Same arithmetic (fp32 products and sums), in another order: vectors differ from MKL's by ~3e-7
(cosine >= 0.9999997), like a change of batch. Only for fp32 inference: bf16 autocast already
multiplies through oneDNN and would not see these modules, int8 quantisation looks for
``nn.Linear`` (so it must run first), and the packed weight has no gradient. When the op is missing
(a torch built without oneDNN) or a probe disagrees with ``nn.Linear``, the model is left as it is.
"""
from __future__ import annotations

import ctypes
import logging
import mmap

import torch

__all__ = ["PackedLinear", "pack_linears"]

log = logging.getLogger(__name__)

# A probe's largest difference to nn.Linear, relative to the output's scale, above which packing is
# refused: fp32 summation order moves ~1e-7; a wrong kernel or layout moves everything.
_PROBE_TOLERANCE = 1e-4


class PackedLinear(torch.nn.Module):
    """``y = x W^T + b`` by ``mkldnn::_linear_pointwise`` on W packed once; inference only."""

    def __init__(self, linear: torch.nn.Linear) -> None:
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.packed = torch.ops.mkldnn._reorder_linear_weight(linear.weight.detach(), None)
        self.bias = None if linear.bias is None else linear.bias.detach()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.mkldnn._linear_pointwise(x, self.packed, self.bias, "none", [], "")

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


def pack_linears(model: torch.nn.Module) -> int:
    """Swap every fp32 ``nn.Linear`` inside ``model`` (in place) for a PackedLinear; returns how many.

    0 when oneDNN's ops are not available here or the probe disagrees (the model is then unchanged)."""
    ops = getattr(torch.ops, "mkldnn", None)
    if not torch.backends.mkldnn.is_available() or ops is None \
            or not hasattr(ops, "_reorder_linear_weight") or not hasattr(ops, "_linear_pointwise"):
        return 0
    targets = [(parent, name, child) for parent in model.modules() for name, child in parent.named_children()
               if type(child) is torch.nn.Linear and child.weight.dtype == torch.float32]
    if not targets or not _agrees(targets[0][2]):
        return 0
    mapped = _file_mappings()
    for parent, name, child in targets:
        setattr(parent, name, PackedLinear(child))
        _drop_pages(child.weight, mapped)
    return len(targets)


def _file_mappings() -> list[tuple[int, int]]:
    """(start, end) of this process's file-backed mappings (Linux; [] elsewhere)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and parts[5].startswith("/"):
            start, end = parts[0].split("-")
            out.append((int(start, 16), int(end, 16)))
    return out


def _drop_pages(weight: torch.Tensor, mapped: list[tuple[int, int]]) -> None:
    """The resident pages of a weight the packed copy replaced, when it lies in a file mapping:
    the loader maps model.safetensors (bert_plain or transformers), so the first product touches each weight's pages and they
    stay counted in the process's memory beside the packed copy (+84 MB for e5-small) while the
    mapping lives on for the other tensors. Only pages wholly inside this weight are dropped (a page
    shared with a live tensor is kept); nothing reads the weight again, and a page read anyway
    would come back from the file unchanged."""
    start, size = weight.data_ptr(), weight.nbytes
    if not size or not any(a <= start and start + size <= b for a, b in mapped):
        return
    page = mmap.PAGESIZE
    first, last = -(-start // page) * page, (start + size) // page * page
    if last <= first:
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise(ctypes.c_void_p(first), ctypes.c_size_t(last - first), 4)   # MADV_DONTNEED
    except (OSError, AttributeError) as exc:
        log.debug("could not drop a packed weight's pages: %s", exc)


def _agrees(linear: torch.nn.Linear) -> bool:
    """Whether the packed product of a small random batch matches ``linear``'s own."""
    try:
        probe = torch.randn(2, 3, linear.in_features, generator=torch.Generator().manual_seed(0))
        with torch.inference_mode():
            want = linear(probe)
            got = PackedLinear(linear)(probe)
    except RuntimeError as exc:   # an op that exists but refuses this build or CPU
        log.debug("oneDNN packed linear unavailable: %s", exc)
        return False
    scale = float(want.abs().max()) or 1.0
    return got.shape == want.shape and float((got - want).abs().max()) <= _PROBE_TOLERANCE * scale
