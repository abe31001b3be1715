"""DDIL Workbench's models in plain PyTorch: open a workbench checkpoint (a safetensors file) in
your own pipeline, sample its teacher or distilled student, and write a teacher you trained here
for `ddil run` to distil. No dependency but torch.

    import ddil_models
    student = ddil_models.load("runs/lcm-ddil/checkpoint.safetensors")
    images = ddil_models.sample(student, steps=4, count=16, generator=torch.Generator().manual_seed(0))

The networks, the schedule and the samplers follow core/models/, core/diffusion/ and
core/distill/student_policy.cpp; tests/python/test_twin.py checks that both compute the same
denoiser outputs and samples (to 1e-5 relative, float32, CPU).
"""
import json

import torch

from . import diffusion, nets, safetensors_io
from .diffusion import VpSchedule
from .nets import MlpDenoiser, UNetDenoiser
from .safetensors_io import FormatError

__all__ = ["load", "sample", "save_teacher", "build_model", "VpSchedule", "MlpDenoiser",
           "UNetDenoiser", "FormatError", "safetensors_io"]

FORMAT_TAG = "ddil-checkpoint"
FORMAT_VERSION = 2


def build_model(config, sample_shape, classes):
    """A new network as `config` (a run config: its "model" section) describes it, for samples of
    `sample_shape` ((2,) for 2-D data, (C, H, W) for images) and `classes` classes. The network
    carries its config and schedule (`ddil_config`, `schedule`) for sample()."""
    net = nets.build(config["model"], tuple(sample_shape), classes)
    net.ddil_config = config
    net.schedule = VpSchedule(config.get("diffusion", {}))
    return net


def load(path, verify=True):
    """The network of the checkpoint at `path` with its weights (the EMA weights where the file
    has them, as `ddil sample` uses), in eval mode, built from the file's own metadata. Its
    `ddil_config` is the run's config, `schedule` the diffusion schedule, `metadata` the file's
    metadata. `verify`: check the file's CRC-32C (when it has one)."""
    tensors, metadata = safetensors_io.read(path, verify=verify)
    if metadata.get("format") != FORMAT_TAG:
        raise FormatError(f"{path}: not a DDIL Workbench checkpoint (no format {FORMAT_TAG!r})")
    if int(metadata.get("format_version", "0")) > FORMAT_VERSION:
        raise FormatError(f"{path}: checkpoint format {metadata['format_version']} is newer "
                          f"than this module reads ({FORMAT_VERSION})")
    config = json.loads(metadata["config"])
    signature = metadata["model_signature"]
    shape, classes = nets.shape_and_classes(signature)
    net = build_model(config, shape, classes)
    if net.signature() != signature:
        raise FormatError(f"{path}: holds {signature}, its config builds {net.signature()}")
    prefix = "ema." if any(name.startswith("ema.") for name in tensors) else "model."
    net.load_state_dict({name[len(prefix):]: t for name, t in tensors.items()
                         if name.startswith(prefix)}, strict=True)
    net.metadata = metadata
    return net.eval()


@torch.no_grad()
def sample(model, steps, noise=None, labels=None, count=None, generator=None, guidance=None,
           renoise=None):
    """Samples `model` (from load() or build_model()) in `steps` steps, in float32 on the model's
    device (noise is drawn on the CPU, so the same generator gives the same samples anywhere).

    A teacher runs deterministic DDIM with classifier-free guidance (`guidance`, default its
    config's sample.guidance: {"scale", "convention"}); a distilled student runs its own sampler
    (DDIM between its times for pd; its x0 re-noised with fresh noise for lcm and dmd2).
    `noise` (B, ...) starts it (default: torch.randn of `count` samples from `generator`),
    `labels` (B) are the classes (default: i mod classes). `renoise`: the re-noising noise of each
    step in order (default: drawn from `generator`)."""
    config, schedule = model.ddil_config, model.schedule
    shape = (model.input_dim,) if isinstance(model, MlpDenoiser) else model.shape
    if noise is None:  # drawn on the CPU (as the core draws it), then moved to the model
        noise = torch.randn((count,) + tuple(shape), generator=generator)
    if labels is None:
        labels = torch.arange(noise.shape[0]) % model.classes
    device = next(model.parameters()).device
    noise, labels = noise.float().to(device), labels.long().to(device)
    if config.get("task") == "distill":
        return diffusion.student_sample(model, config, schedule, noise, labels, steps,
                                        renoise=renoise, generator=generator)
    guidance = guidance or config.get("sample", {}).get("guidance", {})
    return diffusion.ddim(model, schedule, config["diffusion"]["prediction"], noise, labels,
                          steps, guidance, model.classes)


def save_teacher(model, path, config, step=0):
    """Writes `model` (a network from build_model()) as a teacher checkpoint at `path` that
    `ddil run` accepts as a distillation's distill.teacher: its weights as both "model" and "ema",
    `config` (the run config it was trained with; task "teacher") and its signature as metadata,
    and the CRC."""
    config = dict(config)
    config["task"] = "teacher"
    state = {name: t for name, t in model.state_dict().items()}
    tensors = {"model." + name: t for name, t in state.items()}
    tensors.update({"ema." + name: t for name, t in state.items()})
    safetensors_io.write(path, tensors, {
        "format": FORMAT_TAG, "format_version": str(FORMAT_VERSION),
        "config": json.dumps(config, indent=2), "model_signature": model.signature(),
        "step": str(int(step)), "build_id": "ddil_models (python)",
    })
