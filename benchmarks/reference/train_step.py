#!/usr/bin/env python3
"""The C++ teacher training step in eager PyTorch: the reference `make bench` measures it against.

The same class-conditional UNet as core/models/unet.cpp (python/ddil_models' twin of it, which
tests/python/test_twin.py checks computes the same function), the same step as
core/train/trainer.cpp + teacher_trainer.cpp: a batch of images, t ~ U[0, 1],
the cosine VP schedule clamped to [logsnr_min, logsnr_max], label dropout to the null class, the
v / eps / x0 target, MSE, backward, gradient-norm clipping, AdamW and the EMA with its warm-up.
The loss is read from the device at the C++ trainer's cadence (every step on a CPU, every 20 on a
GPU: runtime.read_every), the EMA and AdamW use multi-tensor ops as the C++ side does, and
--precision bf16 autocasts the forward pass as runtime.precision does.
What differs on purpose: the images are drawn once (random, the data's shape) instead of from the
dataset each step, so the data pipeline is left out of both sides' comparison only on this side
(the C++ step draws its batch from memory, about 1% of a step on this machine).

    python3 benchmarks/reference/train_step.py [CONFIG] [--batch B] [--steps N] [--threads T]
        [--device cpu|cuda] [--compile] [--precision fp32|bf16] [--read-every N]
        [--count-parameters]

Prints one line of JSON: images/s, seconds per step, parameters, batch, threads, device, torch.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE, "python"))
from ddil_models.nets import build as build_net  # noqa: E402  the twin's UNet, name for name


def cosine_log_snr(t, lo, hi):
    b = math.atan(math.exp(-0.5 * hi))
    a = math.atan(math.exp(-0.5 * lo)) - b
    return (-2.0 * torch.log(torch.tan(a * t + b))).clamp(lo, hi)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config", nargs="?",
                        default=os.path.join(SOURCE, "configs/fashion-mnist/teacher.json"))
    parser.add_argument("--batch", type=int, default=0, help="default: the config's batch size")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="0: PyTorch's default")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model (2.x)")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--read-every", type=int, default=0,
                        help="steps whose losses are read at once (0: 1 on a CPU, 20 on a GPU)")
    parser.add_argument("--count-parameters", action="store_true",
                        help="print the parameter count and exit")
    args = parser.parse_args()
    with open(args.config) as f:
        config = json.load(f)
    model_config, train, diffusion = config["model"], config["train"], config["diffusion"]
    if model_config.get("kind") != "unet" or diffusion.get("schedule", "cosine") != "cosine":
        sys.exit(f"{args.config}: the reference has the UNet and the cosine schedule only")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    shape, classes = (1, 28, 28), 10  # Fashion-MNIST
    device = torch.device(args.device)
    model = build_net(model_config, shape, classes).to(device)
    count = sum(p.numel() for p in model.parameters())
    if args.count_parameters:
        print(count)
        return
    ema = build_net(model_config, shape, classes).to(device)
    ema.load_state_dict(model.state_dict())
    for p in ema.parameters():
        p.requires_grad_(False)
    forward = torch.compile(model) if args.compile else model
    optimizer = torch.optim.AdamW(model.parameters(), lr=train["lr"],
                                  weight_decay=train.get("weight_decay", 0.0))
    batch = args.batch or train["batch_size"]
    lo, hi = diffusion.get("logsnr_min", -15.0), diffusion.get("logsnr_max", 15.0)
    prediction = diffusion.get("prediction", "v")
    read_every = args.read_every or (1 if device.type == "cpu" else 20)
    ema_params, params = list(ema.parameters()), list(model.parameters())
    unread = []
    x0 = torch.rand((batch,) + shape, device=device) * 2 - 1
    labels_all = torch.randint(0, classes, (batch,), device=device)

    def step(i):
        t = torch.rand(batch, device=device)
        eps = torch.randn_like(x0)
        drop = torch.rand(batch, device=device) < train.get("label_dropout", 0.1)
        labels = torch.where(drop, torch.full_like(labels_all, classes), labels_all)
        log_snr = cosine_log_snr(t, lo, hi)
        alpha = torch.sigmoid(log_snr).sqrt()[:, None, None, None]
        sigma = torch.sigmoid(-log_snr).sqrt()[:, None, None, None]
        xt = alpha * x0 + sigma * eps
        target = {"v": alpha * eps - sigma * x0, "eps": eps, "x0": x0}[prediction]
        optimizer.zero_grad()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.precision == "bf16"):
            loss = F.mse_loss(forward(xt, t, labels), target)
        loss.backward()
        if train.get("grad_clip", 0) > 0:
            nn.utils.clip_grad_norm_(model.parameters(), train["grad_clip"])
        optimizer.step()
        decay = min(train.get("ema_decay", 0.999), (1.0 + i) / (10.0 + i))
        with torch.no_grad():
            torch._foreach_mul_(ema_params, decay)
            torch._foreach_add_(ema_params, params, alpha=1.0 - decay)
        # The C++ trainer reads the losses in batches (its NaN check and the logs).
        unread.append(loss.detach())
        if len(unread) >= read_every:
            torch.stack(unread).cpu()
            unread.clear()

    for i in range(args.warmup):
        step(i)
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for i in range(args.steps):
        step(args.warmup + i)
    if unread:
        torch.stack(unread).cpu()
        unread.clear()
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    print(json.dumps({"images_per_second": args.steps * batch / seconds,
                      "seconds_per_step": seconds / args.steps, "parameters": count,
                      "batch": batch, "threads": torch.get_num_threads(), "device": str(device),
                      "compiled": args.compile, "precision": args.precision,
                      "read_every": read_every, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
