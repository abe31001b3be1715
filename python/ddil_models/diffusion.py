"""The diffusion schedule and the samplers of core/diffusion/ and core/distill/student_policy.cpp:
variance-preserving schedules on t in [0, 1] defined through a clipped logSNR, the eps / x0 / v
readings of a network's output, DDIM with classifier-free guidance (teachers and progressive
distillation students) and the re-noising sampler of LCM and DMD2 students."""
import math

import torch


class VpSchedule:
    """x_t = alpha_t x0 + sigma_t eps, alpha^2 + sigma^2 = 1, logSNR clipped to [min, max]."""

    def __init__(self, diffusion):
        self.kind = diffusion.get("schedule", "cosine")
        self.logsnr_min = diffusion.get("logsnr_min", -15.0)
        self.logsnr_max = diffusion.get("logsnr_max", 15.0)
        self.beta_min = diffusion.get("beta_min", 0.1)
        self.beta_max = diffusion.get("beta_max", 20.0)
        if self.kind == "cosine":
            self.b = math.atan(math.exp(-0.5 * self.logsnr_max))
            self.a = math.atan(math.exp(-0.5 * self.logsnr_min)) - self.b
        elif self.kind != "linear":
            raise ValueError(f"unknown schedule {self.kind!r}")

    def logsnr(self, t):
        if not torch.is_tensor(t):
            if self.kind == "cosine":
                lam = -2.0 * math.log(math.tan(self.a * t + self.b))
            else:
                log_a2 = -(0.5 * t * t * (self.beta_max - self.beta_min) + t * self.beta_min)
                lam = log_a2 - math.log(-math.expm1(log_a2))
            return min(max(lam, self.logsnr_min), self.logsnr_max)
        if self.kind == "cosine":
            lam = -2.0 * torch.log(torch.tan(self.a * t + self.b))
        else:
            log_a2 = -(0.5 * (self.beta_max - self.beta_min) * t * t + self.beta_min * t)
            lam = log_a2 - torch.log(-torch.expm1(log_a2))
        return lam.clamp(self.logsnr_min, self.logsnr_max)

    def alpha(self, t):
        lam = self.logsnr(t)
        return torch.sigmoid(lam).sqrt() if torch.is_tensor(lam) else math.sqrt(_sigmoid(lam))

    def sigma(self, t):
        lam = self.logsnr(t)
        return torch.sigmoid(-lam).sqrt() if torch.is_tensor(lam) else math.sqrt(_sigmoid(-lam))


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def _per_sample(values, like):
    if values.dim() == 0 or like.dim() <= 1:
        return values
    return values.reshape([values.shape[0]] + [1] * (like.dim() - 1))


def from_prediction(prediction, output, x, alpha, sigma):
    """(x0, eps) that a network's raw output means."""
    a, s = _per_sample(alpha, x), _per_sample(sigma, x)
    if prediction == "eps":
        return (x - s * output) / a, output
    if prediction == "x0":
        return output, (x - a * output) / s
    if prediction == "v":
        return a * x - s * output, s * x + a * output
    raise ValueError(f"unknown prediction {prediction!r}")


def eps_from_x0(x, x0, alpha, sigma):
    return (x - _per_sample(alpha, x) * x0) / _per_sample(sigma, x)


def project_x0(x0, reflection):
    """The reflected formulation's projection of an x0 estimate (core/diffusion/reflection.cpp)."""
    kind = reflection.get("projection", "none")
    if kind == "none":
        return x0
    if kind == "static":
        return x0.clamp(-1.0, 1.0)
    flat = x0.abs().flatten(1)
    k = max(1, math.ceil(reflection.get("percentile", 0.995) * flat.shape[1]))
    bound = _per_sample(torch.kthvalue(flat, k, 1).values.clamp_min(1.0), x0)
    return torch.maximum(torch.minimum(x0, bound), -bound) / bound


def guidance_weight(guidance):
    """The conditional output's weight: uncond + weight (cond - uncond)."""
    scale = guidance.get("scale", 1.0)
    convention = guidance.get("convention", "uncond_plus_w")
    if convention == "uncond_plus_w":
        return scale
    if convention == "cond_plus_w":
        return 1.0 + scale
    raise ValueError(f"unknown guidance convention {convention!r}")


def guided_denoise(net, schedule, prediction, x, t, labels, guidance, null_class):
    """(x0, eps) of the network at states x, times t, with classifier-free guidance."""
    weight = guidance_weight(guidance)
    if weight != 1.0:
        both = net(torch.cat([x, x]), torch.cat([t, t]),
                   torch.cat([labels, torch.full_like(labels, null_class)]))
        cond, uncond = both.chunk(2, 0)
        output = uncond + weight * (cond - uncond)
    else:
        output = net(x, t, labels)
    return from_prediction(prediction, output, x, schedule.alpha(t), schedule.sigma(t))


def ddim(net, schedule, prediction, noise, labels, steps, guidance, null_class):
    """Deterministic DDIM (eta 0) from `noise` at t = 1 over `steps` uniform steps to t = 0."""
    ts = [k / steps for k in range(steps, -1, -1)]
    x = noise
    for t, s in zip(ts[:-1], ts[1:]):
        tt = torch.full((x.shape[0],), t, dtype=x.dtype, device=x.device)
        x0, eps = guided_denoise(net, schedule, prediction, x, tt, labels, guidance, null_class)
        x = x0 if s <= 0 else schedule.alpha(s) * x0 + schedule.sigma(s) * eps
    return x


def consistency_c_skip(t, sigma_data, time_scale):
    st = t * (1000.0 * time_scale)
    return sigma_data * sigma_data / (st * st + sigma_data * sigma_data)


def consistency_c_out(t, sigma_data, time_scale):
    st = t * (1000.0 * time_scale)
    return st / torch.sqrt(st * st + sigma_data * sigma_data)


def student_times(distill, steps):
    """tau_N > ... > tau_1, then 0: the config's list (at its own step count), or k / N."""
    if distill.get("timesteps") and steps == distill.get("student_steps"):
        return list(distill["timesteps"]) + [0.0]
    return [k / steps for k in range(steps, 0, -1)] + [0.0]


def student_x0(net, config, schedule, x, t, labels, scale=None):
    """A distilled student's x0 estimate (StudentPolicy::x0)."""
    distill = config["distill"]
    lcm = distill["method"] == "lcm"
    w = None
    if lcm:
        w = scale if scale is not None else torch.full(
            (x.shape[0],), distill["guidance"]["scale"], dtype=t.dtype, device=t.device)
    raw = net(x, t, labels, w)
    reflection = distill.get("reflection", {})
    projected = reflection if reflection.get("apply_to", "teacher") != "teacher" else {}
    x0, _ = from_prediction(config["diffusion"]["prediction"], raw, x, schedule.alpha(t),
                            schedule.sigma(t))
    x0 = project_x0(x0, projected)
    if not lcm:
        return x0
    c = distill["lcm"]
    sd, ts = c.get("sigma_data", 0.5), c.get("time_scale", 10.0)
    return (_per_sample(consistency_c_skip(t, sd, ts), x) * x
            + _per_sample(consistency_c_out(t, sd, ts), x) * x0)


def student_sample(net, config, schedule, noise, labels, steps, renoise=None, generator=None):
    """The student's N-step sampler: DDIM between its times (pd), or its x0 re-noised to the
    next time with fresh noise (lcm, dmd2). `renoise`: the noise of each re-noising step, in
    order; otherwise drawn from `generator` (torch.randn) as the C++ sampler draws it."""
    times = student_times(config["distill"], steps)
    renoises = config["distill"]["method"] != "pd"
    draws = list(renoise) if renoise is not None else None
    x = noise
    for t, nxt in zip(times[:-1], times[1:]):
        tt = torch.full((x.shape[0],), t, dtype=x.dtype, device=x.device)
        x0 = student_x0(net, config, schedule, x, tt, labels)
        if nxt <= 0:
            x = x0
        elif renoises:
            z = draws.pop(0) if draws is not None else torch.randn(
                x.shape, generator=generator, dtype=x.dtype)  # on the CPU, as the core draws it
            z = z.to(x.device)
            x = schedule.alpha(nxt) * x0 + schedule.sigma(nxt) * z
        else:
            x = schedule.alpha(nxt) * x0 + schedule.sigma(nxt) * eps_from_x0(
                x, x0, schedule.alpha(tt), schedule.sigma(tt))
    return x
