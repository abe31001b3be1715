#include "core/config/config_help.h"

#include <map>

namespace ddil {

std::string fieldHelp(const std::string& path)
{
    static const std::map<std::string, std::string> help {
        { "schema_version", "The format's version; 1." },
        { "name", "The run's name: its folder's name and the label of its curves." },
        { "task",
            "teacher: a diffusion model; evaluator: the classifier behind the image "
            "metrics; distill: a few-step student of a teacher." },
        { "seed", "Seeds the weights, the data order, the noise and the evaluation." },
        { "runtime.device", "auto: CUDA when this LibTorch has it, else the CPU." },
        { "runtime.threads", "CPU threads for LibTorch and OpenBLAS; 0: one per core." },
        { "runtime.sample_chunk",
            "Samples per network pass when sampling (0: 16 on a CPU, 256 "
            "on a GPU); speed and memory only, not the samples." },
        { "runtime.read_every",
            "Training steps whose loss is read from the device at once (0: "
            "every step on a CPU, 20 on a GPU); speed only." },
        { "runtime.precision",
            "fp32, or bf16: training's forward passes autocast to bfloat16 "
            "(weights, optimiser and losses stay float32)." },
        { "data.kind",
            "toy2d (2-D distributions), fashion_mnist, idx (MNIST-format files) or "
            "image_folder (one sub-folder per class)." },
        { "data.distribution", "The 2-D distribution of toy2d data." },
        { "data.path",
            "The data's file or folder (\"\" for fashion_mnist: Debian's "
            "dataset-fashion-mnist)." },
        { "data.labels_path", "idx: the labels file beside an images file given as path." },
        { "data.split", "train or test." },
        { "data.image_size", "image_folder: the side the images are resized to (0: as found)." },
        { "data.channels", "image_folder: 1 (grey) or 3 (colour)." },
        { "model.kind", "mlp (2-D data), unet (images) or classifier (the evaluator)." },
        { "model.hidden", "mlp: width of the residual blocks; classifier: feature dimension." },
        { "model.depth", "mlp: residual blocks; unet: residual blocks per resolution." },
        { "model.time_embedding", "Width of the time embedding." },
        { "model.channels", "unet, classifier: base width." },
        { "model.channel_mult", "unet: width multiplier per resolution (one entry per level)." },
        { "model.attention", "unet: self-attention at the lowest resolution." },
        { "model.groups", "unet: GroupNorm groups." },
        { "model.dropout", "Dropout probability." },
        { "model.guidance_embedding",
            "Condition the network on the guidance scale w (a "
            "student that takes w as an input, as LCM's does)." },
        { "diffusion.schedule", "cosine or linear VP schedule over t in [0, 1]." },
        { "diffusion.prediction", "What the network predicts: eps, x0 or v." },
        { "diffusion.logsnr_min", "The schedule's lowest log-SNR (clips its noisy end)." },
        { "diffusion.logsnr_max", "The schedule's highest log-SNR (clips its clean end)." },
        { "diffusion.beta_min", "linear schedule: β at t = 0." },
        { "diffusion.beta_max", "linear schedule: β at t = 1." },
        { "train.steps", "Optimiser steps (a distillation's generator steps)." },
        { "train.batch_size", "Samples per step." },
        { "train.lr", "Peak learning rate (after warm-up, before the cosine decay)." },
        { "train.optimizer", "adam or adamw." },
        { "train.weight_decay", "Decoupled weight decay (adamw)." },
        { "train.warmup_steps", "Steps of linear learning-rate warm-up." },
        { "train.grad_clip", "Clip the gradient's global norm to this (0: no clipping)." },
        { "train.ema_decay",
            "Decay of the exponential moving average of the weights that "
            "samples and evaluations use." },
        { "train.label_dropout", "Share of labels dropped for classifier-free guidance." },
        { "train.log_every", "Steps between metrics lines." },
        { "train.checkpoint_every", "Steps between checkpoints (0: only at the end)." },
        { "sample.steps", "DDIM steps when sampling a teacher." },
        { "sample.eta", "DDIM's η: 0 deterministic, 1 ancestral." },
        { "sample.guidance.scale", "Classifier-free guidance scale w when sampling." },
        { "sample.guidance.convention",
            "uncond_plus_w: ε_u + w(ε_c − ε_u); cond_plus_w: ε_c + "
            "w(ε_c − ε_u)." },
        { "eval.every", "Steps between evaluations (0: only the final one)." },
        { "eval.count", "Samples per evaluation." },
        { "eval.projections", "2-D data: random projections of the sliced Wasserstein distance." },
        { "eval.feature_extractor",
            "Images: the evaluator checkpoint whose features FID, "
            "precision, recall and coverage use." },
        { "eval.shift_diagnostics",
            "Measure the student's covariate shift at each evaluation "
            "(its states against the data's and the teacher's)." },
        { "eval.teacher_intervention",
            "Evaluate with the teacher taking over steps of the "
            "student's sampling." },
        { "eval.diagnose_samples", "Trajectories of the shift diagnostics." },
        { "eval.imitation_samples",
            "Samples compared with the teacher's own (imitation RMSE; "
            "0: none)." },
        { "distill.method",
            "pd (progressive distillation), lcm (latent consistency) or dmd2 "
            "(distribution matching)." },
        { "distill.teacher", "The teacher checkpoint." },
        { "distill.student_steps", "The student's sampling steps N." },
        { "distill.timesteps", "The student's times τ_N … τ_1 (empty: evenly spaced)." },
        { "distill.guidance.scale", "The guidance scale the teacher's targets use." },
        { "distill.guidance.convention",
            "How the teacher combines its conditional and "
            "unconditional predictions." },
        { "distill.ddil.beta",
            "DDIL's priors over data, teacher and student states (sum 1); "
            "(1, 0, 0) is the base method on data states alone." },
        { "distill.ddil.beta_schedule",
            "constant, or ramp_student: the student's share grows "
            "from 0 over ramp_steps." },
        { "distill.ddil.ramp_steps", "ramp_student: steps until β reaches its set value." },
        { "distill.ddil.p_teach",
            "DAgger's mixing: each student rollout step is the "
            "teacher's with this probability." },
        { "distill.ddil.p_teach_schedule",
            "constant, or linear_decay: p_teach falls to 0 over "
            "p_teach_decay_steps." },
        { "distill.ddil.p_teach_decay_steps", "linear_decay: steps until p_teach reaches 0." },
        { "distill.ddil.teacher_steps", "DDIM steps M of the teacher's rollouts." },
        { "distill.ddil.shared_noise", "Teacher and student rollouts start from the same noise." },
        { "distill.ddil.buffer_capacity", "States per replay buffer (0: 32 × batch)." },
        { "distill.ddil.refresh_every", "Steps between buffer refreshes R." },
        { "distill.ddil.refresh_fraction", "Share of each buffer a refresh rolls out anew." },
        { "distill.ddil.student_rollouts",
            "buffered: student states from a replay buffer; "
            "fresh: the current student rolled out at every "
            "draw (on-policy, DMD2's backward simulation)." },
        { "distill.ddil.buffer_replacement",
            "Which states a refresh overwrites: oldest or "
            "random." },
        { "distill.ddil.store_first_state",
            "Keep each rollout's first state (the pure noise) "
            "in the buffers." },
        { "distill.ddil.rollout_guidance",
            "The rollouts' guidance: the method's own, or fixed "
            "at rollout_guidance_scale." },
        { "distill.ddil.rollout_guidance_scale", "fixed: the rollouts' guidance scale." },
        { "distill.ddil.changes", "Mixture changes by step, recorded while a session trains." },
        { "distill.reflection.projection",
            "Reflected diffusion: none, static (clamp x₀ to "
            "[−1, 1]) or dynamic (percentile thresholding)." },
        { "distill.reflection.percentile", "dynamic: the percentile of |x₀| thresholded." },
        { "distill.reflection.apply_to",
            "Whose x₀ estimates are projected: teacher, student "
            "or both." },
        { "distill.pd.start_steps",
            "Progressive distillation: the first student's steps, "
            "halved each round down to student_steps." },
        { "distill.pd.weighting", "The loss weight over time: truncated_snr or snr_plus_one." },
        { "distill.lcm.solver_steps",
            "The grid j / solver_steps the teacher's ODE solver "
            "steps on; it must pass through the student's times." },
        { "distill.lcm.target_ema", "Decay of the target network's EMA." },
        { "distill.lcm.loss", "l2 or pseudo_huber." },
        { "distill.lcm.huber_c", "pseudo_huber's c (0: 0.00054 × √dimensions)." },
        { "distill.lcm.w_min", "Guidance scales w are drawn from [w_min, w_max]." },
        { "distill.lcm.w_max", "Guidance scales w are drawn from [w_min, w_max]." },
        { "distill.lcm.sigma_data", "The consistency parameterisation's σ_data." },
        { "distill.lcm.time_scale", "The consistency boundary condition's time scale." },
        { "distill.dmd2.fake_updates",
            "Updates of the fake-score critic per generator step, "
            "each on a batch of its own." },
        { "distill.dmd2.critic_sources",
            "The critic's states: mixture (the generator's DDIL "
            "mixture) or student (the student's own rollouts)." },
        { "distill.dmd2.fake_lr", "The critic's learning rate (0: train.lr)." },
        { "distill.dmd2.t_min", "Lowest diffusion time of the distribution-matching loss." },
        { "distill.dmd2.t_max", "Highest diffusion time of the distribution-matching loss." },
        { "distill.dmd2.gan", "Add DMD2's GAN term (a head on the critic's bottleneck)." },
        { "distill.dmd2.gan_generator_weight", "The GAN term's weight in the generator's loss." },
        { "distill.dmd2.gan_discriminator_weight", "The GAN term's weight in the critic's loss." },
    };
    const auto it = help.find(path);
    return it == help.end() ? std::string() : it->second;
}

} // namespace ddil
