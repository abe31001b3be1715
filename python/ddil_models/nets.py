"""The workbench's denoising networks in plain PyTorch, module for module and name for name as
core/models/ builds them, so that a checkpoint's "model" and "ema" tensors load into them as they
are: the 2-D MLP denoiser (mlp_denoiser.cpp) and the class-conditional UNet (unet.cpp).

A network's raw output is read as eps, x0 or v by the config's diffusion.prediction; labels run
over [0, classes], where `classes` is the null class of classifier-free guidance.
"""
import math
import re

import torch
import torch.nn.functional as F
from torch import nn


def timestep_embedding(t, dim):
    """Sinusoidal embedding of t in [0, 1], scaled by 1000 (denoiser_net.cpp)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) / half
                      * torch.arange(half, dtype=torch.float32, device=t.device))
    args = (t.float() * 1000.0).unsqueeze(1) * freqs.unsqueeze(0)
    emb = torch.cat([torch.sin(args), torch.cos(args)], 1)
    return F.pad(emb, (0, 1)) if dim % 2 == 1 else emb


class GuidanceEmbedding(nn.Module):
    """An LCM student's embedding of the guidance scale w, added to the time embedding."""

    def __init__(self, sinusoid_dim, out_dim):
        super().__init__()
        self.sinusoid_dim = sinusoid_dim
        self.fc1 = nn.Linear(sinusoid_dim, out_dim)
        self.fc2 = nn.Linear(out_dim, out_dim)
        nn.init.zeros_(self.fc2.weight)
        nn.init.zeros_(self.fc2.bias)

    def forward(self, w):
        return self.fc2(F.silu(self.fc1(timestep_embedding(w, self.sinusoid_dim))))


class _ResidualBlock(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, width)
        self.fc2 = nn.Linear(width, width)

    def forward(self, h):
        return h + self.fc2(F.silu(self.fc1(F.silu(self.norm(h)))))


class MlpDenoiser(nn.Module):
    """The 2-D denoiser: input, time and class embeddings summed, residual blocks, a head."""

    def __init__(self, model, input_dim, classes):
        super().__init__()
        w = model["hidden"]
        self.model, self.input_dim, self.classes = dict(model), input_dim, classes
        self.in_proj = nn.Linear(input_dim, w)
        self.time_proj1 = nn.Linear(model["time_embedding"], w)
        self.time_proj2 = nn.Linear(w, w)
        self.class_embedding = nn.Embedding(classes + 1, w)
        if model.get("guidance_embedding"):
            self.guidance_embedding = GuidanceEmbedding(model["time_embedding"], w)
        self.blocks = nn.ModuleList([_ResidualBlock(w) for _ in range(model["depth"])])
        self.out_norm = nn.LayerNorm(w)
        self.out_proj = nn.Linear(w, input_dim)

    def forward(self, x, t, labels, w=None):
        temb = self.time_proj2(F.silu(self.time_proj1(
            timestep_embedding(t, self.model["time_embedding"]))))
        if hasattr(self, "guidance_embedding") and w is not None:
            temb = temb + self.guidance_embedding(w)
        h = self.in_proj(x) + temb + self.class_embedding(labels)
        for block in self.blocks:
            h = block(h)
        return self.out_proj(F.silu(self.out_norm(h)))

    def signature(self):
        m = self.model
        return (f"mlp(in={self.input_dim},hidden={m['hidden']},depth={m['depth']},"
                f"time_embedding={m['time_embedding']},classes={self.classes}"
                + (",guidance_embedding=1" if m.get("guidance_embedding") else "") + ")")


class _ResBlock(nn.Module):
    def __init__(self, cin, cout, emb_dim, groups, dropout):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb_proj = nn.Linear(emb_dim, cout)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x.float())))
        h = h + self.emb_proj(F.silu(emb))[:, :, None, None]
        h = self.conv2(self.dropout(F.silu(self.norm2(h.float()))))
        return (self.skip(x) if self.skip is not None else x) + h


class _AttentionBlock(nn.Module):
    def __init__(self, ch, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, ch)
        self.qkv = nn.Conv2d(ch, 3 * ch, 1)
        self.proj = nn.Conv2d(ch, ch, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x, emb):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x.float())).reshape(b, 3, c, h * w).unbind(1)
        weights = torch.softmax(torch.bmm(q.transpose(1, 2), k) / math.sqrt(c), -1)
        return x + self.proj(torch.bmm(v, weights.transpose(1, 2)).reshape(b, c, h, w))


class _Downsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def forward(self, x, emb):
        return self.conv(x)


class _Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x, emb):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class UNetDenoiser(nn.Module):
    """The class-conditional UNet: residual blocks per level, attention at the lowest one."""

    def __init__(self, model, shape, classes):
        super().__init__()
        self.model, self.shape, self.classes = dict(model), tuple(shape), classes
        base, groups, mult = model["channels"], model["groups"], model["channel_mult"]
        depth, attention, dropout = model["depth"], model["attention"], model.get("dropout", 0.0)
        emb_dim = 4 * base
        self.time_proj1 = nn.Linear(model["time_embedding"], emb_dim)
        self.time_proj2 = nn.Linear(emb_dim, emb_dim)
        self.class_embedding = nn.Embedding(classes + 1, emb_dim)
        if model.get("guidance_embedding"):
            self.guidance_embedding = GuidanceEmbedding(model["time_embedding"], emb_dim)
        self.in_conv = nn.Conv2d(shape[0], base, 3, padding=1)
        self.down = nn.ModuleList()
        skips, ch = [base], base
        for level, m in enumerate(mult):
            out, lowest = base * m, level == len(mult) - 1
            for _ in range(depth):
                self.down.append(_ResBlock(ch, out, emb_dim, groups, dropout))
                ch = out
                if lowest and attention:
                    self.down.append(_AttentionBlock(ch, groups))
                skips.append(ch)
            if not lowest:
                self.down.append(_Downsample(ch))
                skips.append(ch)
        self.middle = nn.ModuleList([_ResBlock(ch, ch, emb_dim, groups, dropout)]
                                    + ([_AttentionBlock(ch, groups)] if attention else [])
                                    + [_ResBlock(ch, ch, emb_dim, groups, dropout)])
        self.up = nn.ModuleList()
        for level in reversed(range(len(mult))):
            out, lowest = base * mult[level], level == len(mult) - 1
            for _ in range(depth + 1):
                self.up.append(_ResBlock(ch + skips.pop(), out, emb_dim, groups, dropout))
                ch = out
                if lowest and attention:
                    self.up.append(_AttentionBlock(ch, groups))
            if level > 0:
                self.up.append(_Upsample(ch))
        self.out_norm = nn.GroupNorm(groups, ch)
        self.out_conv = nn.Conv2d(ch, shape[0], 3, padding=1)
        nn.init.zeros_(self.out_conv.weight)
        nn.init.zeros_(self.out_conv.bias)

    def forward(self, x, t, labels, w=None):
        emb = self.time_proj2(F.silu(self.time_proj1(
            timestep_embedding(t, self.model["time_embedding"])))) + self.class_embedding(labels)
        if hasattr(self, "guidance_embedding") and w is not None:
            emb = emb + self.guidance_embedding(w)
        h = self.in_conv(x)
        skips = [h]
        for i, layer in enumerate(self.down):
            h = layer(h, emb)
            # A skip after each residual block (with its attention) and each downsampler.
            if not (i + 1 < len(self.down) and isinstance(self.down[i + 1], _AttentionBlock)):
                skips.append(h)
        for layer in self.middle:
            h = layer(h, emb)
        for layer in self.up:
            if isinstance(layer, _ResBlock):
                h = torch.cat([h, skips.pop()], 1)
            h = layer(h, emb)
        return self.out_conv(F.silu(self.out_norm(h.float())))

    def signature(self):
        m = self.model
        mult = "-".join(str(v) for v in m["channel_mult"])
        c, h, w = self.shape
        return (f"unet(shape={c}x{h}x{w},channels={m['channels']},mult={mult},"
                f"depth={m['depth']},attention={1 if m['attention'] else 0},groups={m['groups']},"
                f"time_embedding={m['time_embedding']},classes={self.classes}"
                + (",guidance_embedding=1" if m.get("guidance_embedding") else "") + ")")


# core/api/config.h's ModelConfig defaults, for the keys a config leaves out.
MODEL_DEFAULTS = {"kind": "mlp", "hidden": 256, "depth": 3, "time_embedding": 64, "channels": 32,
                  "channel_mult": [1, 2, 2], "attention": True, "groups": 8, "dropout": 0.0,
                  "guidance_embedding": False}


def build(model, sample_shape, classes):
    """The network a config's "model" section describes, for samples of `sample_shape`."""
    model = {**MODEL_DEFAULTS, **model}
    if model["kind"] == "mlp":
        if len(sample_shape) != 1:
            raise ValueError('model.kind "mlp" needs flat samples (2-D toy data)')
        return MlpDenoiser(model, sample_shape[0], classes)
    if model["kind"] == "unet":
        return UNetDenoiser(model, sample_shape, classes)
    raise ValueError(f"model.kind {model['kind']!r} is not a denoiser")


def shape_and_classes(signature):
    """(sample shape, classes) that a model signature names."""
    mlp = re.fullmatch(r"mlp\(in=(\d+),.*classes=(\d+).*\)", signature)
    if mlp:
        return (int(mlp.group(1)),), int(mlp.group(2))
    unet = re.fullmatch(r"unet\(shape=(\d+)x(\d+)x(\d+),.*classes=(\d+).*\)", signature)
    if unet:
        return tuple(int(unet.group(i)) for i in (1, 2, 3)), int(unet.group(4))
    raise ValueError(f"not a denoiser's signature: {signature!r}")
