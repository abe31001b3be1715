#include "core/cli/cli.h"

#include "core/api/config_io.h"
#include "core/api/diagnosis.h"
#include "core/api/errors.h"
#include "core/api/evaluation.h"
#include "core/api/run.h"
#include "core/api/run_table.h"
#include "core/api/sampling.h"
#include "core/api/shift_plot.h"
#include "core/api/sweep.h"
#include "core/api/versions.h"
#include "core/cli/exit_codes.h"
#include "core/cli/progress_printer.h"
#include "core/io/atomic_file.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <unistd.h>
#include <variant>

namespace ddil {

namespace {
CancelToken* g_cancelOnSignal = nullptr;

const std::vector<std::string> kDevices { "auto", "cpu", "cuda" };

// CLI11's Range lets NaN through (every comparison with it is false), so real numbers are
// checked to be finite first: "--guidance nan" and "--eta inf" are usage errors.
const CLI::Validator kFinite(
    [](std::string& text) {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        const bool number = end != text.c_str() && *end == '\0';
        return number && !std::isfinite(value) ? "not a finite number: " + text : std::string();
    },
    "FINITE");

// A subcommand: its options (declared beside its handler, below) and the handler to run when
// it was given.
struct Subcommand {
    CLI::App* app;
    std::function<int()> run;
};

extern "C" void onTerminateSignal(int sig)
{
    // Outside a training loop (starting, loading, waiting for the other ranks, sampling) there
    // is nothing to save: files are written atomically, so ending here leaves none half-written.
    if (!g_cancelOnSignal || !g_cancelOnSignal->isPolled()) {
        removeInterruptedTempFile();
        ::_exit(exit_code::kInterrupted);
    }
    if (g_cancelOnSignal)
        g_cancelOnSignal->cancel(); // lock-free atomic stores and loads: async-signal-safe
    std::signal(sig, SIG_DFL); // a second signal ends the process at once
}

int fail(int code, const std::string& message)
{
    std::fprintf(stderr, "ddil: error: %s\n", message.c_str());
    return code;
}

// Runs `body`, turning the core's exceptions into one line and an exit code.
template <class F>
int guarded(F&& body)
{
    try {
        return body();
    } catch (const ConfigError& e) {
        return fail(exit_code::kInvalidConfig, e.what());
    } catch (const IoError& e) {
        return fail(exit_code::kFile, e.what());
    } catch (const CheckpointError& e) {
        return fail(exit_code::kFile, e.what());
    } catch (const DeviceError& e) {
        return fail(exit_code::kDevice, e.what());
    } catch (const TrainingError& e) {
        return fail(exit_code::kFailed, e.what());
    } catch (const std::bad_alloc&) {
        return fail(exit_code::kFailed, "out of memory");
    } catch (const std::exception& e) {
        std::string what = e.what();
        what = what.substr(0, what.find('\n'));
        return fail(exit_code::kFailed, what);
    }
}

// A path typed on the command line means the working folder: made absolute when the file is
// there, so that a shipped resource of the same relative name does not take its place.
std::string typedPath(const std::string& path)
{
    std::error_code ec;
    if (!path.empty() && std::filesystem::path(path).is_relative()
        && std::filesystem::exists(path, ec))
        return std::filesystem::absolute(path, ec).lexically_normal().string();
    return path;
}

// Loads a config and prints its issues, one line each; on errors returns the exit code.
std::variant<RunConfig, int> loadConfigOrReport(const std::string& path, bool quiet)
{
    const auto loaded = loadConfigFile(path);
    if (loaded.unreadable)
        return fail(exit_code::kFile, loaded.issues.front().message);
    for (const auto& issue : loaded.issues)
        if (issue.severity == ConfigIssue::Severity::Error || !quiet)
            std::fprintf(stderr, "ddil: %s: %s\n", path.c_str(), issue.toString().c_str());
    if (!loaded.ok())
        return exit_code::kInvalidConfig;
    return loaded.config;
}

struct RunArgs {
    std::string config;
    std::string out;
    std::string device;
    int threads = -1;
    bool resume = false;
    bool restart = false;
    bool quiet = false;
};

// Trains `config` into `outDir` with the progress display; returns the exit code. In a
// data-parallel run (`env`) only rank 0 reports progress and results.
int trainWithProgress(const RunConfig& config, const std::string& outDir, bool resume, bool restart,
    bool quiet, const DistributedEnv& env = {})
{
    RunOptions options;
    options.outDir = outDir;
    options.resume = resume;
    options.restart = restart;
    options.distributed = env;
    const bool reports = env.isMain();
    quiet = quiet || !reports;
    const bool interactive = ::isatty(STDERR_FILENO) != 0;
    ProgressPrinter progress(stderr, interactive);
    RunHooks hooks;
    if (!quiet) {
        hooks.onStep = [&](const StepReport& r) { progress.onStep(r); };
        hooks.onEval = [&](const EvalReport& r) { progress.onEval(r); };
        hooks.onMessage = [&](const std::string& m) { progress.message(m); };
    }
    CancelToken cancel;
    installSignalHandlers(); // again: a first signal may have been answered with SIG_DFL
    g_cancelOnSignal = &cancel;
    if (!quiet)
        std::fprintf(stderr, "run folder: %s\n", options.outDir.c_str());
    const int code = guarded([&] {
        const RunResult result = runTraining(config, options, hooks, cancel);
        progress.finish();
        if (!reports)
            return result.status == RunResult::Status::Cancelled ? exit_code::kInterrupted
                                                                 : exit_code::kOk;
        if (result.alreadyFinished) {
            std::printf("%s: finished already at step %lld; nothing changed\n",
                result.runDir.c_str(), static_cast<long long>(result.step));
            return exit_code::kOk;
        }
        if (result.status == RunResult::Status::Cancelled) {
            std::fprintf(stderr,
                "ddil: interrupted at step %lld; checkpoint written to %s (continue with "
                "--resume)\n",
                static_cast<long long>(result.step), result.checkpointPath.c_str());
            return exit_code::kInterrupted;
        }
        std::printf(
            "finished %s at step %lld\n", config.name.c_str(), static_cast<long long>(result.step));
        if (!result.finalMetrics.empty())
            std::printf(
                "%s\n", ProgressPrinter::formatEval({ result.step, result.finalMetrics }).c_str());
        std::printf("results: %s\n", std::filesystem::absolute(result.runDir).string().c_str());
        return exit_code::kOk;
    });
    progress.finish();
    g_cancelOnSignal = nullptr;
    installSignalHandlers();
    return code;
}

void applyRuntimeOverrides(RunConfig& config, const std::string& device, int threads)
{
    if (!device.empty())
        config.runtime.device = *enumFromString<Device>(device);
    if (threads >= 0)
        config.runtime.threads = threads;
}

int commandRun(const RunArgs& args)
{
    auto loaded = loadConfigOrReport(args.config, args.quiet);
    if (const int* code = std::get_if<int>(&loaded))
        return *code;
    auto& config = std::get<RunConfig>(loaded);
    applyRuntimeOverrides(config, args.device, args.threads);
    // Under torchrun or srun: this process is one rank of a data-parallel run.
    DistributedEnv env;
    if (const int code = guarded([&] {
            env = distributedEnvFromProcess();
            if (env.isDistributed() && args.out.empty())
                throw ConfigError("a distributed run needs --out: every rank must name the same "
                                  "run folder");
            return exit_code::kOk;
        });
        code != exit_code::kOk)
        return code;
    const std::string outDir = args.out.empty()
        ? (std::filesystem::path("runs") / defaultRunDirName(config)).string()
        : args.out;
    return trainWithProgress(config, outDir, args.resume, args.restart, args.quiet, env);
}

Subcommand addRunCommand(CLI::App& app)
{
    auto args = std::make_shared<RunArgs>();
    auto* run = app.add_subcommand("run", "Train as CONFIG says, writing a run folder");
    run->add_option("config", args->config, "Config file (JSON)")->required();
    run->add_option("--out", args->out, "Run folder (default: runs/<name>-<time>)");
    run->add_option("--device", args->device, "auto, cpu or cuda (overrides runtime.device)")
        ->check(CLI::IsMember(kDevices));
    run->add_option(
           "--threads", args->threads, "CPU threads (overrides runtime.threads; 0: all cores)")
        ->check(CLI::Range(0, 1024));
    auto* resume = run->add_flag("--resume", args->resume,
        "Continue the run in --out from its checkpoint (a finished run: nothing to do; one "
        "stopped before its first checkpoint: started again)");
    run->add_flag("--restart", args->restart,
           "Discard the run in --out (its checkpoint, logs and samples) and start afresh")
        ->excludes(resume);
    run->add_flag("--quiet,-q", args->quiet, "Print only errors and the result");
    return { run, [args] { return commandRun(*args); } };
}

struct SweepArgs {
    std::string config;
    std::vector<std::string> sets;
    std::string out;
    bool run = false;
    std::string device;
    int threads = -1;
    bool quiet = false;
};

// Writes one config per grid point into --out (plus configs.txt, one path per line, and
// sweep.sbatch, the Slurm job array over it) and, with --run, trains them one after another into
// --out/<name>/: finished runs are skipped, interrupted ones resumed.
int commandSweep(const SweepArgs& args)
{
    std::vector<SweepPoint> points;
    const int code = guarded([&] {
        std::vector<SweepAxis> axes;
        for (const auto& spec : args.sets)
            axes.push_back(parseSweepAxis(spec));
        points = expandSweep(args.config, axes);
        writeSweepConfigs(points, args.out);
        // The jobs start `ddil` as this process was started: through the launcher when it was.
        std::error_code ec;
        const char* launcher = std::getenv("DDIL_LAUNCHER");
        const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
        const auto script = writeSlurmArrayScript(args.out, points.size(),
            launcher && *launcher ? std::string(launcher)
                : ec              ? "ddil"
                                  : self.string());
        std::printf("wrote %zu configs to %s (list: configs.txt; Slurm job array: sbatch %s)\n",
            points.size(), args.out.c_str(), script.c_str());
        return exit_code::kOk;
    });
    if (code != exit_code::kOk || !args.run)
        return code;
    for (size_t i = 0; i < points.size(); ++i) {
        auto config = points[i].config;
        applyRuntimeOverrides(config, args.device, args.threads);
        const auto dir = (std::filesystem::path(args.out) / sweepFileName(points[i].name)).string();
        const std::string status = runStatus(dir);
        std::printf("[%zu/%zu] %s\n", i + 1, points.size(), points[i].name.c_str());
        std::fflush(stdout);
        if (status == "finished") {
            std::printf("  finished already: %s\n", dir.c_str());
            continue;
        }
        // Interrupted: resumed from its checkpoint, or started again when it had none yet.
        const bool resume = hasRunCheckpoint(dir)
            || std::filesystem::exists(std::filesystem::path(dir) / "metrics.jsonl");
        if (const int runCode = trainWithProgress(config, dir, resume, false, args.quiet);
            runCode != exit_code::kOk)
            return runCode;
    }
    return exit_code::kOk;
}

Subcommand addSweepCommand(CLI::App& app)
{
    auto args = std::make_shared<SweepArgs>();
    auto* sweep = app.add_subcommand(
        "sweep", "Expand CONFIG over a grid of settings into configs, and run them with --run");
    sweep->add_option("config", args->config, "Base config file (JSON)")->required();
    sweep
        ->add_option("--set", args->sets,
            "key=v1,v2,...: a dotted config key and its values (JSON; commas inside [] belong "
            "to the value), e.g. --set distill.ddil.beta=[0,0.5,0.5],[0.5,0,0.5] --set seed=0,1")
        ->required()
        ->take_all()
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sweep->add_option("--out", args->out, "Folder for the configs (and run folders)")->required();
    sweep->add_flag("--run", args->run,
        "Train the configs one after another into --out/<name>/ (finished runs are skipped, "
        "interrupted ones resumed)");
    sweep->add_option("--device", args->device, "auto, cpu or cuda (overrides runtime.device)")
        ->check(CLI::IsMember(kDevices));
    sweep->add_option("--threads", args->threads, "CPU threads (overrides runtime.threads)")
        ->check(CLI::Range(0, 1024));
    sweep->add_flag("--quiet,-q", args->quiet, "Print only errors and the results");
    return { sweep, [args] { return commandSweep(*args); } };
}

struct SampleArgs {
    SampleRequest request;
    std::optional<std::int64_t> classLabel;
    std::optional<double> guidance;
    std::string device = "auto";
};

int commandSample(SampleArgs& args)
{
    args.request.classLabel = args.classLabel;
    args.request.guidance = args.guidance;
    args.request.device = *enumFromString<Device>(args.device);
    return guarded([&] {
        const auto s = sampleToFile(args.request);
        std::printf("wrote %lld samples of %s (checkpoint step %lld) to %s\n",
            static_cast<long long>(s.count), s.modelSignature.c_str(),
            static_cast<long long>(s.checkpointStep), s.out.c_str());
        return exit_code::kOk;
    });
}

Subcommand addSampleCommand(CLI::App& app)
{
    auto args = std::make_shared<SampleArgs>();
    auto* sample = app.add_subcommand("sample", "Sample a trained model");
    sample->add_option("--checkpoint", args->request.checkpoint, "Checkpoint (.safetensors)")
        ->required();
    sample->add_option("--steps", args->request.steps, "Sampler steps")
        ->required()
        ->check(CLI::Range(1, 100000));
    sample->add_option("--count", args->request.count, "Number of samples")
        ->required()
        ->check(CLI::Range(1, 10000000));
    sample->add_option("--class", args->classLabel, "Condition every sample on this class");
    sample
        ->add_option("--guidance", args->guidance,
            "Guidance scale (convention from the checkpoint's config)")
        ->check(kFinite);
    sample->add_option("--seed", args->request.seed, "Noise seed");
    sample->add_option("--eta", args->request.eta, "DDIM eta (0: deterministic)")
        ->check(kFinite & CLI::Range(0.0, 1.0));
    sample->add_option("--device", args->device, "auto, cpu or cuda")
        ->check(CLI::IsMember(kDevices));
    sample->add_option("--threads", args->request.threads, "CPU threads (0: all cores)")
        ->check(CLI::Range(0, 1024));
    sample->add_option("--out", args->request.out, "Output .npy or .png")->required();
    sample
        ->add_option("--sample-chunk", args->request.sampleChunk,
            "Samples per network pass (0: chosen for the device); speed and memory, not the "
            "samples")
        ->capture_default_str()
        ->check(CLI::Range(0, 1000000));
    return { sample, [args] { return commandSample(*args); } };
}

struct DataArgs {
    std::string config;
    std::string out;
    std::int64_t count = 1000;
    std::optional<std::uint64_t> seed;
};

int commandData(const DataArgs& args)
{
    const auto loaded = loadConfigOrReport(args.config, true);
    if (const int* code = std::get_if<int>(&loaded))
        return *code;
    const auto* config = &std::get<RunConfig>(loaded);
    return guarded([&] {
        drawDataToFile(*config, args.count, args.seed.value_or(config->seed), args.out);
        std::printf("wrote %lld data samples to %s\n", static_cast<long long>(args.count),
            args.out.c_str());
        return exit_code::kOk;
    });
}

Subcommand addDataCommand(CLI::App& app)
{
    auto args = std::make_shared<DataArgs>();
    auto* data = app.add_subcommand("data", "Draw real data as CONFIG defines it");
    data->add_option("config", args->config, "Config file (JSON)")->required();
    data->add_option("--count", args->count, "Number of samples")
        ->required()
        ->check(CLI::Range(1, 10000000));
    data->add_option("--seed", args->seed, "Seed (default: the config's seed)");
    data->add_option("--out", args->out, "Output .npy or .png")->required();
    return { data, [args] { return commandData(*args); } };
}

struct EvalArgs {
    EvalRequest request;
    std::optional<double> guidance;
    std::string device = "auto";
};

int commandEval(EvalArgs& args)
{
    args.request.guidance = args.guidance;
    args.request.device = *enumFromString<Device>(args.device);
    return guarded([&] {
        std::printf("%s\n", evaluateCheckpointJson(args.request).c_str());
        return exit_code::kOk;
    });
}

Subcommand addEvalCommand(CLI::App& app)
{
    auto args = std::make_shared<EvalArgs>();
    auto* eval = app.add_subcommand(
        "eval", "Sample an image model and print its sample-quality metrics as JSON");
    eval->add_option("--checkpoint", args->request.checkpoint, "Checkpoint (.safetensors)")
        ->required();
    eval->add_option("--steps", args->request.steps, "Sampler steps")
        ->required()
        ->check(CLI::Range(1, 100000));
    eval->add_option("--guidance", args->guidance,
            "Guidance scale (convention from the checkpoint's config)")
        ->check(kFinite);
    eval->add_option("--samples", args->request.samples, "Number of samples, classes in turn")
        ->capture_default_str()
        ->check(CLI::Range(2, 10000000));
    eval->add_option("--seed", args->request.seed, "Noise seed")->capture_default_str();
    eval->add_option("--features", args->request.features,
            "Feature extractor: evaluator checkpoint or TorchScript file (default: the config's "
            "eval.feature_extractor, else the shipped Fashion-MNIST evaluator). A TorchScript file "
            "is code: loading it runs it")
        ->transform(typedPath);
    eval->add_option("--device", args->device, "auto, cpu or cuda")->check(CLI::IsMember(kDevices));
    eval->add_option("--threads", args->request.threads, "CPU threads (0: all cores)")
        ->check(CLI::Range(0, 1024));
    eval->add_option("--sample-chunk", args->request.sampleChunk,
            "Samples per network pass (0: chosen for the device); speed and memory, not the "
            "samples")
        ->capture_default_str()
        ->check(CLI::Range(0, 1000000));
    return { eval, [args] { return commandEval(*args); } };
}

struct DiagnoseArgs {
    DiagnoseRequest request;
    bool noLossGap = false;
    bool noIntervention = false;
    bool noShift = false;
    std::string device = "auto";
};

int commandDiagnose(DiagnoseArgs& args)
{
    args.request.device = *enumFromString<Device>(args.device);
    args.request.shift = !args.noShift;
    args.request.lossGap = !args.noLossGap;
    args.request.intervention = !args.noIntervention;
    return guarded([&] {
        std::printf("%s\n", diagnoseCheckpointJson(args.request).c_str());
        return exit_code::kOk;
    });
}

Subcommand addDiagnoseCommand(CLI::App& app)
{
    auto args = std::make_shared<DiagnoseArgs>();
    auto* diagnose = app.add_subcommand("diagnose",
        "Measure a distilled student's per-step covariate shift, on-policy loss gap and "
        "teacher intervention; prints JSON");
    diagnose
        ->add_option("--checkpoint", args->request.checkpoint, "Student checkpoint (.safetensors)")
        ->required();
    diagnose
        ->add_option("--samples", args->request.samples,
            "Trajectories (and samples per intervention setting)")
        ->capture_default_str()
        ->check(CLI::Range(16, 1000000));
    diagnose->add_option("--seed", args->request.seed, "Seed of data, noise and re-noising")
        ->capture_default_str();
    diagnose->add_flag("--no-shift", args->noShift, "Skip the state-set distances");
    diagnose->add_flag("--no-loss-gap", args->noLossGap, "Skip the on-policy loss gap");
    diagnose->add_flag(
        "--no-intervention", args->noIntervention, "Skip the teacher-intervention sweep");
    diagnose->add_option("--device", args->device, "auto, cpu or cuda")
        ->check(CLI::IsMember(kDevices));
    diagnose->add_option("--threads", args->request.threads, "CPU threads (0: all cores)")
        ->check(CLI::Range(0, 1024));
    diagnose
        ->add_option("--sample-chunk", args->request.sampleChunk,
            "Samples per network pass (0: chosen for the device); speed and memory, not the "
            "samples")
        ->capture_default_str()
        ->check(CLI::Range(0, 1000000));
    return { diagnose, [args] { return commandDiagnose(*args); } };
}

void writeTextFile(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out)
        throw IoError(path + ": cannot write");
}

struct TableArgs {
    TableRequest request;
    std::string format = "md";
    std::string markdownOut, csvOut, shiftPlot, deltaPlot;
    bool noTeacher = false;
    std::string device = "auto";
};

int commandTable(TableArgs& args)
{
    args.request.device = *enumFromString<Device>(args.device);
    if (args.noTeacher)
        args.request.teacherSamples = 0;
    return guarded([&] {
        const auto table = buildRunTable(args.request);
        const auto markdown = table.markdown();
        const auto csv = table.csv();
        std::printf("%s", args.format == "csv" ? csv.c_str() : markdown.c_str());
        if (!args.markdownOut.empty())
            writeTextFile(args.markdownOut, markdown);
        if (!args.csvOut.empty())
            writeTextFile(args.csvOut, csv);
        if (!args.deltaPlot.empty()) {
            writeDifferencePlot(table, args.deltaPlot);
            std::fprintf(stderr, "wrote the difference plot to %s\n", args.deltaPlot.c_str());
        }
        if (!args.shiftPlot.empty()) {
            writeShiftPlot(args.request.runDirs, args.shiftPlot);
            std::fprintf(stderr, "wrote the shift plot to %s\n", args.shiftPlot.c_str());
        }
        return exit_code::kOk;
    });
}

Subcommand addTableCommand(CLI::App& app)
{
    auto args = std::make_shared<TableArgs>();
    auto* table = app.add_subcommand(
        "table", "Compare finished runs in a paper-style table (Markdown or CSV)");
    table->add_option("runs", args->request.runDirs, "Run folders")->required();
    auto* groupSeeds = table->add_flag("--group-seeds", args->request.groupSeeds,
        "One row per config that differs only in seed: mean ± standard deviation, n, and the "
        "difference of the first metric to the method's baseline (its first row, in the order "
        "given) with a 95% confidence interval, paired by seed where both rows hold the same "
        "seeds and share their evaluation, else Welch's (* where it excludes 0), and its "
        "two-sided p with Holm's adjustment over the table († where that stays below 0.05)");
    table
        ->add_option("--delta", args->request.deltaMetrics,
            "With --group-seeds: the metrics compared with the baseline (default: the first, FID "
            "or sliced W1), e.g. --delta fid,coverage")
        ->delimiter(',');
    table
        ->add_option("--baseline", args->request.baseline,
            "With --group-seeds: compare every row with this row (its name as the table prints "
            "it) instead of each method's first row")
        ->needs(groupSeeds);
    table->add_option("--eval-noise", args->request.evalNoiseRun,
        "Also evaluate this run folder's checkpoint with evaluation seeds 0, 1, 2 (cached) and "
        "print that spread beside its row's training-seed spread");
    table->add_option("--format", args->format, "What to print: md or csv")
        ->check(CLI::IsMember({ "md", "csv" }))
        ->capture_default_str();
    table->add_option("--markdown", args->markdownOut, "Also write the Markdown to this file");
    table->add_option("--csv", args->csvOut, "Also write the CSV to this file");
    table->add_option("--shift-plot", args->shiftPlot,
        "Write the per-step shift plot (PNG) from the runs' diagnose.json files");
    table
        ->add_option("--delta-plot", args->deltaPlot,
            "With --group-seeds: write the differences to the baselines with their 95% "
            "intervals as a chart (PNG), one panel per --delta metric")
        ->needs(groupSeeds);
    table
        ->add_option("--teacher-steps", args->request.teacherSteps,
            "Step counts of the teacher's reference rows (default 4,50)")
        ->delimiter(',')
        ->check(CLI::Range(1, 10000));
    table->add_option("--teacher-samples", args->request.teacherSamples,
        "Samples of the teacher reference rows at 4 and 50 steps (default: the runs' "
        "eval.count; cached)");
    table->add_flag("--no-teacher", args->noTeacher, "Leave out the teacher reference rows");
    table->add_option("--device", args->device, "auto, cpu or cuda (teacher rows)")
        ->check(CLI::IsMember(kDevices));
    table->add_option("--threads", args->request.threads, "CPU threads (0: all cores)")
        ->check(CLI::Range(0, 1024));
    return { table, [args] { return commandTable(*args); } };
}

int commandExportWeights(const std::string& checkpoint, const std::string& out)
{
    return guarded([&] {
        const std::string signature = exportWeights(checkpoint, out);
        std::printf("wrote the weights of %s to %s\n", signature.c_str(), out.c_str());
        return exit_code::kOk;
    });
}

struct ExportArgs {
    std::string checkpoint;
    std::string out;
};

Subcommand addExportWeightsCommand(CLI::App& app)
{
    auto args = std::make_shared<ExportArgs>();
    auto* exportCmd = app.add_subcommand(
        "export-weights", "Write a checkpoint's EMA weights and config without training state");
    exportCmd->add_option("--checkpoint", args->checkpoint, "Training checkpoint (.safetensors)")
        ->required();
    exportCmd->add_option("--out", args->out, "Output file (.safetensors)")->required();
    return { exportCmd, [args] { return commandExportWeights(args->checkpoint, args->out); } };
}

Subcommand addConvertCheckpointCommand(CLI::App& app)
{
    auto args = std::make_shared<ExportArgs>();
    auto* convert = app.add_subcommand("convert-checkpoint",
        "Rewrite a checkpoint of an earlier format (DDILDAT1, or TorchScript) as a safetensors "
        "file. Loading the TorchScript format runs code stored in the file: convert only files "
        "you trust");
    convert->add_option("legacy", args->checkpoint, "Checkpoint in an earlier format (.pt)")
        ->required();
    convert->add_option("out", args->out, "Output file (.safetensors)")->required();
    return { convert, [args] {
                return guarded([&] {
                    convertCheckpoint(args->checkpoint, args->out);
                    std::printf("wrote %s (safetensors)\n", args->out.c_str());
                    return exit_code::kOk;
                });
            } };
}

int commandValidate(const std::string& path, bool print)
{
    const auto loaded = loadConfigFile(path);
    if (loaded.unreadable)
        return fail(exit_code::kFile, loaded.issues.front().message);
    for (const auto& issue : loaded.issues)
        std::printf("%s: %s\n", path.c_str(), issue.toString().c_str());
    if (!loaded.ok())
        return exit_code::kInvalidConfig;
    if (print)
        std::printf("%s", configToJson(loaded.config).c_str());
    else
        std::printf("%s: valid (%zu warnings)\n", path.c_str(), loaded.warnings().size());
    return exit_code::kOk;
}

struct ValidateArgs {
    std::string path;
    bool print = false;
};

Subcommand addValidateCommand(CLI::App& app)
{
    auto args = std::make_shared<ValidateArgs>();
    auto* validate = app.add_subcommand("validate", "Check a config and list its problems");
    validate->add_option("config", args->path, "Config file (JSON)")->required();
    validate->add_flag("--print", args->print, "Print the resolved config");
    return { validate, [args] { return commandValidate(args->path, args->print); } };
}

std::string versionText()
{
    const auto v = libraryVersions();
    return "ddil " + v.project + " (" + v.buildId + "), LibTorch " + v.libtorch
        + (v.cudaBuild ? " with CUDA" : " CPU") + ", OpenCV " + v.opencv
        + "\nCPU convolution: " + v.cpuConvolution;
}
} // namespace

void installSignalHandlers()
{
    struct sigaction action {};
    action.sa_handler = onTerminateSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    // The `ddil` launcher blocked them until now: one already sent is delivered here.
    sigset_t terminate;
    sigemptyset(&terminate);
    sigaddset(&terminate, SIGINT);
    sigaddset(&terminate, SIGTERM);
    sigprocmask(SIG_UNBLOCK, &terminate, nullptr);
    // A write past RLIMIT_FSIZE then fails with EFBIG, reported like a full disk (exit 4, the
    // previous checkpoint intact), instead of killing the process without a word.
    std::signal(SIGXFSZ, SIG_IGN);
}

int runCli(int argc, char** argv)
{
    installSignalHandlers();
    CLI::App app { "ddil: headless diffusion distillation runs (DDIL Workbench)", "ddil" };
    app.set_version_flag("--version", std::function<std::string()>(versionText));
    app.require_subcommand(1);
    app.footer(
        "Exit codes: 0 ok, 1 failed, 2 usage, 3 invalid config, 4 file or checkpoint problem, "
        "5 device unavailable, 130 interrupted (checkpoint written).");
    const std::vector<Subcommand> commands { addRunCommand(app), addSweepCommand(app),
        addSampleCommand(app), addDataCommand(app), addEvalCommand(app), addDiagnoseCommand(app),
        addTableCommand(app), addExportWeightsCommand(app), addConvertCheckpointCommand(app),
        addValidateCommand(app) };

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "ddil: error: %s (see ddil --help)\n", e.what());
        return exit_code::kUsage;
    }
    for (const auto& command : commands)
        if (command.app->parsed())
            return command.run();
    return exit_code::kUsage;
}

} // namespace ddil
