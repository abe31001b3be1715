#!/usr/bin/env python3
"""The PyTorch twin (python/ddil_models) against the C++ core, run by CTest in Debian's
python3-torch:

- parity: the same denoiser output on the same inputs and the same samples from the same noise
  (teacher DDIM; pd, lcm and dmd2 students) as the core computes them (tests/python/
  twin_reference.cpp), to 1e-5 relative, float32 on the CPU;
- the round trip: a tiny teacher trained by the twin, distilled by `ddil run`, sampled back;
- the README's example, run as written;
- with python3-safetensors (Debian 13): the library opens our files, and our reader takes or
  refuses the library's as the format's rules say.

Needs DDIL_SOURCE_DIR, DDIL_BIN and DDIL_TWIN_REFERENCE (tests/CMakeLists.txt sets them).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

try:
    import torch
except ImportError:
    print("test_twin: skipped: python3-torch is not installed (scripts/install-deps.sh installs it)")
    sys.exit(77)

import ddil_models
from ddil_models import safetensors_io

SOURCE = os.environ["DDIL_SOURCE_DIR"]
DDIL = os.environ["DDIL_BIN"]
REFERENCE = os.environ["DDIL_TWIN_REFERENCE"]
WEIGHTS = os.path.join(SOURCE, "resources", "weights")
TOY_TEACHER = os.path.join(WEIGHTS, "toy-checkerboard-teacher.safetensors")
FASHION_TEACHER = os.path.join(WEIGHTS, "fashion-mnist-teacher.safetensors")
TOLERANCE = 1e-5

torch.set_num_threads(1)


def run(*args, check=True):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} exited {r.returncode}:\n{r.stderr}")
    return r


def distil(folder, method, teacher, steps=20):
    """A `ddil run` of the toy checkerboard preset of `method` from `teacher`: its checkpoint."""
    config = os.path.join(folder, f"{method}.json")
    with open(config, "w") as f:
        json.dump({"extends": os.path.join(SOURCE, "configs", "toy", "distill",
                                           f"checkerboard-{method}.json"),
                   "name": f"twin-{method}",
                   "runtime": {"device": "cpu", "threads": 1},
                   "train": {"steps": steps, "log_every": 10, "checkpoint_every": 0},
                   "eval": {"every": 0, "count": 64, "projections": 8},
                   "distill": {"teacher": teacher, "ddil": {"teacher_steps": 8}}}, f)
    out = os.path.join(folder, f"run-{method}")
    run(DDIL, "run", config, "--out", out, "-q")
    return os.path.join(out, "checkpoint.safetensors")


def relative_error(a, b):
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-12)).item()


def check_parity(test, checkpoint, steps, count, folder, seed=5):
    """The twin's output and samples beside the core's, for the checkpoint at `checkpoint`."""
    ref = os.path.join(folder, "reference.safetensors")
    run(REFERENCE, checkpoint, ref, steps, count, seed)
    tensors, meta = safetensors_io.read(ref)
    model = ddil_models.load(checkpoint)
    with torch.no_grad():
        output = model(tensors["x"], tensors["t"], tensors["labels"], tensors.get("w"))
    test.assertLess(relative_error(output, tensors["output"]), TOLERANCE, "denoiser output")
    renoise = [tensors[k] for k in sorted((k for k in tensors if k.startswith("renoise.")),
                                          key=lambda k: int(k.split(".")[1]))]
    samples = ddil_models.sample(model, steps, noise=tensors["noise"],
                                 labels=tensors["sample_labels"], renoise=renoise or None)
    test.assertEqual(samples.shape, tensors["samples"].shape)
    error = relative_error(samples, tensors["samples"])
    test.assertLess(error, TOLERANCE, f"{steps}-step samples")
    print(f"  {os.path.basename(checkpoint)} ({meta['task']}): {steps}-step samples within "
          f"{error:.1e} relative", file=sys.stderr)
    return error


class Parity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.students = {m: distil(cls.tmp.name, m, TOY_TEACHER) for m in ("lcm", "pd", "dmd2")}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def check(self, checkpoint, steps, count):
        return check_parity(self, checkpoint, steps, count, self.tmp.name)

    def test_toy_teacher_ddim(self):
        self.check(TOY_TEACHER, 4, 64)

    def test_fashion_mnist_teacher_unet_ddim(self):
        self.check(FASHION_TEACHER, 4, 6)

    def test_lcm_student(self):
        model = ddil_models.load(self.students["lcm"])
        self.assertTrue(hasattr(model, "guidance_embedding"))  # the w input of LCM students
        self.check(self.students["lcm"], 4, 64)

    def test_pd_student(self):
        self.check(self.students["pd"], 2, 64)

    def test_dmd2_student(self):
        self.check(self.students["dmd2"], 4, 64)

    def test_signature_and_weights_come_from_the_file(self):
        model = ddil_models.load(TOY_TEACHER)
        tensors, meta = safetensors_io.read(TOY_TEACHER)
        self.assertEqual(model.signature(), meta["model_signature"])
        prefix = "ema." if "ema.in_proj.weight" in tensors else "model."  # exported: model only
        self.assertTrue(torch.equal(model.in_proj.weight, tensors[prefix + "in_proj.weight"]))

    def test_changed_byte_is_refused(self):
        with open(TOY_TEACHER, "rb") as f:
            data = bytearray(f.read())
        data[-7] ^= 0x20
        path = os.path.join(self.tmp.name, "changed.safetensors")
        with open(path, "wb") as f:
            f.write(data)
        with self.assertRaisesRegex(ddil_models.FormatError, "CRC-32C does not match"):
            ddil_models.load(path)


def checkerboard(n, generator):
    """Points of a 4 x 4 checkerboard in [-2, 2]^2, labelled by cell (8 classes)."""
    cell = torch.randint(0, 8, (n,), generator=generator)
    row = cell // 2
    col = 2 * (cell % 2) + (row % 2)
    xy = torch.stack([col, row], 1).float() + torch.rand(n, 2, generator=generator)
    return xy - 2.0, cell


class RoundTrip(unittest.TestCase):
    def test_teacher_trained_by_the_twin_is_distilled_and_sampled_back(self):
        with tempfile.TemporaryDirectory() as tmp:
            config = json.loads(run(DDIL, "validate", os.path.join(
                SOURCE, "configs", "toy", "checkerboard-teacher.json"), "--print").stdout)
            config["model"].update({"hidden": 32, "depth": 1, "time_embedding": 16})
            torch.manual_seed(0)
            model = ddil_models.build_model(config, (2,), 8)
            schedule, generator = model.schedule, torch.Generator().manual_seed(1)
            optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
            for _ in range(60):  # v-prediction, labels dropped to the null class 10% of the time
                x0, labels = checkerboard(256, generator)
                labels = torch.where(torch.rand(256, generator=generator) < 0.1,
                                     torch.full_like(labels, 8), labels)
                t = torch.rand(256, generator=generator)
                eps = torch.randn(256, 2, generator=generator)
                a, s = schedule.alpha(t)[:, None], schedule.sigma(t)[:, None]
                loss = (model(a * x0 + s * eps, t, labels) - (a * eps - s * x0)).pow(2).mean()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            teacher = os.path.join(tmp, "twin-teacher.safetensors")
            ddil_models.save_teacher(model, teacher, config, step=60)
            # `ddil` reads it: metadata, CRC and weights.
            info = run(DDIL, "sample", "--checkpoint", teacher, "--steps", "4", "--count", "8",
                       "--out", os.path.join(tmp, "teacher.npy"))
            self.assertNotIn("integrity", info.stderr)
            student = distil(tmp, "lcm", teacher)
            loaded = ddil_models.load(student)
            self.assertEqual(loaded.ddil_config["distill"]["teacher"], teacher)
            samples = ddil_models.sample(loaded, 4, count=128,
                                         generator=torch.Generator().manual_seed(2))
            self.assertEqual(tuple(samples.shape), (128, 2))
            self.assertTrue(torch.isfinite(samples).all())
            check_parity(self, student, 4, 32, tmp)


class ReadmeExample(unittest.TestCase):
    def test_the_readme_example_runs(self):
        with open(os.path.join(SOURCE, "README.md")) as f:
            readme = f.read()
        block = re.search(r"<!-- ddil_models example[^>]*-->\s*```python\n(.*?)```", readme,
                          re.S)
        self.assertIsNotNone(block, "README.md has no ddil_models example")
        code = block.group(1)
        self.assertLessEqual(len(code.strip().splitlines()), 10)
        r = subprocess.run([sys.executable, "-c", code], cwd=SOURCE, capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stderr)


class RealSafetensorsLibrary(unittest.TestCase):
    """Where Debian's python3-safetensors is installed (Debian 13)."""

    def setUp(self):
        try:
            import safetensors.torch  # noqa: F401
        except ImportError:
            self.skipTest("python3-safetensors is not installed (Debian 13 packages it; "
                          "Debian 12 does not)")
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def test_library_opens_every_shipped_checkpoint_and_a_fresh_student(self):
        from safetensors import safe_open
        from safetensors.torch import load_file
        files = [os.path.join(WEIGHTS, f) for f in sorted(os.listdir(WEIGHTS))
                 if f.endswith(".safetensors")]
        self.assertEqual(len(files), 4)
        files.append(distil(self.tmp.name, "dmd2", TOY_TEACHER, steps=5))
        for path in files:
            theirs = load_file(path)
            ours, metadata = safetensors_io.read(path)
            self.assertEqual(sorted(theirs), sorted(ours), path)
            for name, t in theirs.items():
                self.assertTrue(torch.equal(t, ours[name]), name)
            with safe_open(path, framework="pt") as f:
                self.assertEqual(f.metadata()["format"], "ddil-checkpoint")
                self.assertEqual(f.metadata()["format_version"], "2")

    def sample_with_ddil(self, path):
        return run(DDIL, "sample", "--checkpoint", path, "--steps", "2", "--count", "4", "--out",
                   os.path.join(self.tmp.name, "x.npy"), check=False)

    def test_our_reader_on_files_the_library_wrote(self):
        from safetensors.torch import save_file
        model = ddil_models.load(TOY_TEACHER)
        _, ours = safetensors_io.read(TOY_TEACHER)
        tensors = {"model." + k: v.contiguous() for k, v in model.state_dict().items()}
        metadata = {k: ours[k] for k in ("format", "format_version", "config", "model_signature")}
        # Our metadata, no CRC: read, with the notice.
        plain = os.path.join(self.tmp.name, "plain.safetensors")
        save_file(tensors, plain, metadata=metadata)
        r = self.sample_with_ddil(plain)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("without an integrity check", r.stderr)
        # Our CRC copied into a file the library laid out anew: it no longer matches.
        stale = os.path.join(self.tmp.name, "stale.safetensors")
        save_file(tensors, stale, metadata=dict(metadata, **{"ddil.crc32c": ours["ddil.crc32c"]}))
        r = self.sample_with_ddil(stale)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn("CRC-32C does not match", r.stderr)
        # Not ours: no format in the metadata.
        foreign = os.path.join(self.tmp.name, "foreign.safetensors")
        save_file(tensors, foreign)
        r = self.sample_with_ddil(foreign)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn("not a DDIL Workbench checkpoint", r.stderr)
        # A dtype the library has and this program does not read.
        if hasattr(torch, "float8_e4m3fn"):
            odd = os.path.join(self.tmp.name, "float8.safetensors")
            save_file(dict(tensors, extra=torch.zeros(4, dtype=torch.float8_e4m3fn)), odd,
                      metadata=metadata)
            r = self.sample_with_ddil(odd)
            self.assertEqual(r.returncode, 4, r.stderr)
            self.assertIn("F8_E4M3 is valid safetensors but not one this program reads",
                          r.stderr)


if __name__ == "__main__":
    unittest.main()
