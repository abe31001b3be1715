// The `ddil` command as a user meets it: exit codes and one clear line for every bad input.
#include "core/cli/exit_codes.h"
#include "core/cli/progress_printer.h"
#include "tests/core/cli/cli_support.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace ddil;
using namespace ddil::test;

namespace {
// A distillation of the shipped Fashion-MNIST teacher small enough for a unit test: 3 LCM + DDIL
// steps of batch 8.
const QByteArray kTinyDistillConfig = R"({
  "schema_version": 1, "name": "tiny-distill", "task": "distill", "seed": 1,
  "runtime": {"device": "cpu", "threads": 2},
  "data": {"kind": "fashion_mnist"},
  "train": {"steps": 3, "batch_size": 8, "lr": 0.0001, "log_every": 1, "checkpoint_every": 0, "warmup_steps": 1},
  "eval": {"every": 0, "count": 20},
  "distill": {"method": "lcm", "teacher": "resources/weights/fashion-mnist-teacher.safetensors",
    "student_steps": 2, "ddil": {"beta": [0.5, 0.25, 0.25], "teacher_steps": 4, "buffer_capacity": 16}}
})";
} // namespace

class TestCli : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString path(const char* name) { return m_dir.filePath(name); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QFile::exists(ddil::test::ddilBinary()), "DDIL_BIN must point at the built ddil");
        writeFile(path("tiny.json"), kTinyConfig);
    }

    void helpAndVersion()
    {
        const auto help = runDdil({ "--help" });
        QCOMPARE(help.code, exit_code::kOk);
        for (const char* word : { "run", "sample", "data", "validate", "Exit codes" })
            QVERIFY2(help.out.contains(word), word);
        const auto runHelp = runDdil({ "run", "--help" });
        QVERIFY(runHelp.out.contains("--resume") && runHelp.out.contains("--threads"));
        const auto version = runDdil({ "--version" });
        QCOMPARE(version.code, exit_code::kOk);
        // The LibTorch the build found (CMake's Torch_VERSION), not a version written into the
        // test.
        QVERIFY2(version.out.contains("LibTorch " DDIL_TORCH_VERSION), qPrintable(version.out));
    }

    void badInputGivesOneLineAndItsCode_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        QTest::newRow("no command") << QStringList {} << exit_code::kUsage << "subcommand";
        QTest::newRow("unknown option")
            << QStringList { "run", "x.json", "--fast" } << exit_code::kUsage << "--fast";
        QTest::newRow("bad device")
            << QStringList { "run", "x.json", "--device", "tpu" } << exit_code::kUsage << "tpu";
        QTest::newRow("missing config")
            << QStringList { "run", "/no/such/config.json" } << exit_code::kFile
            << "ddil: error: /no/such/config.json: file not found";
        QTest::newRow("missing checkpoint") << QStringList { "sample", "--checkpoint",
            "/no/ckpt.pt", "--steps", "4", "--count", "10", "--out", "x.npy" }
                                            << exit_code::kFile << "/no/ckpt.pt: file not found";
        QTest::newRow("eval of a missing checkpoint")
            << QStringList { "eval", "--checkpoint", "/no/teacher.pt", "--steps", "4" }
            << exit_code::kFile << "/no/teacher.pt: file not found";
        QTest::newRow("eval needs steps")
            << QStringList { "eval", "--checkpoint", "/no/teacher.pt" } << exit_code::kUsage
            << "--steps";
        QTest::newRow("eval with a missing extractor") << QStringList { "eval", "--checkpoint",
            ddil::test::sourceDir() + "/resources/weights/fashion-mnist-teacher.safetensors",
            "--steps", "1", "--samples", "10", "--features",
            "/no/inception.pt" } << exit_code::kFile << "/no/inception.pt: file not found";
        QTest::newRow("eval of an evaluator") << QStringList { "eval", "--checkpoint",
            ddil::test::sourceDir() + "/resources/weights/fashion-mnist-evaluator.safetensors",
            "--steps", "1" } << exit_code::kInvalidConfig
                                              << "holds task \"evaluator\"";
        QTest::newRow("bad out extension")
            << QStringList { "sample", "--checkpoint", "/no/ckpt.pt", "--steps", "4", "--count",
                   "10", "--out", "x.txt" }
            << exit_code::kInvalidConfig << "must end in .npy or .png";
        // CLI11's Range alone lets NaN through: every comparison with it is false.
        for (const char* flag : { "--guidance", "--eta" })
            for (const char* value : { "nan", "inf", "-inf" })
                QTest::addRow("sample %s %s", flag, value)
                    << QStringList { "sample", "--checkpoint", "/no/ckpt.pt", "--steps", "4",
                           "--count", "10", "--out", "x.npy", flag, value }
                    << exit_code::kUsage << QString("not a finite number: ") + value;
        QTest::newRow("eval --guidance nan") << QStringList { "eval", "--checkpoint", "/no/t.pt",
            "--steps", "4", "--guidance", "NaN" }
                                             << exit_code::kUsage << "not a finite number: NaN";
    }

    void badInputGivesOneLineAndItsCode()
    {
        QFETCH(QStringList, args);
        QFETCH(int, code);
        QFETCH(QString, message);
        const auto r = runDdil(args);
        QCOMPARE(r.code, code);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QCOMPARE(r.err.trimmed().count('\n'), 0);
    }

    void invalidConfigNamesEveryProblemAndRunsNothing()
    {
        writeFile(path("broken.json"),
            R"({"schema_version":1,"train":{"lr":"fast"},"diffusion":{"schedule":"quadratic"},"extra":1})");
        const auto r = runDdil({ "run", path("broken.json"), "--out", path("never") });
        QCOMPARE(r.code, exit_code::kInvalidConfig);
        QVERIFY(r.err.contains("error: train.lr: must be a number"));
        QVERIFY(r.err.contains("error: diffusion.schedule: unknown value \"quadratic\""));
        QVERIFY(r.err.contains("warning: extra: unknown key"));
        QVERIFY(!QFile::exists(path("never")));
        writeFile(path("syntax.json"), "{\n \"schema_version\": 1,,\n}");
        const auto s = runDdil({ "validate", path("syntax.json") });
        QCOMPARE(s.code, exit_code::kInvalidConfig);
        QVERIFY2(s.out.contains("invalid JSON") && s.out.contains("line 2"), qPrintable(s.out));
    }

    void cudaOnCpuBuildIsRefused()
    {
        const auto r
            = runDdil({ "run", path("tiny.json"), "--device", "cuda", "--out", path("cuda-run") });
        if (r.code == exit_code::kOk)
            QSKIP("this LibTorch has CUDA and a GPU");
        QCOMPARE(r.code, exit_code::kDevice);
        QVERIFY2(r.err.contains("device \"cuda\" is not available"), qPrintable(r.err));
    }

    void runSampleAndDataEndToEnd()
    {
        const auto run = runDdil({ "run", path("tiny.json"), "--out", path("run1"), "--quiet" });
        QVERIFY2(run.code == exit_code::kOk, qPrintable(run.err));
        QVERIFY(run.out.contains("results: " + path("run1")));
        QVERIFY(run.out.contains("eval/sliced_wasserstein"));
        for (const char* f : { "run1/config.json", "run1/state.json", "run1/metrics.jsonl",
                 "run1/checkpoint.safetensors", "run1/samples/step-40.npy",
                 "run1/samples/step-40.png" })
            QVERIFY2(QFile::exists(path(f)), f);

        // Running again into the same folder without --resume would clobber it: refused.
        const auto again = runDdil({ "run", path("tiny.json"), "--out", path("run1"), "--quiet" });
        QCOMPARE(again.code, exit_code::kFile);
        QVERIFY(again.err.contains("--resume"));

        const auto npy = runDdil({ "sample", "--checkpoint", path("run1/checkpoint.safetensors"),
            "--steps", "8", "--count", "300", "--class", "2", "--guidance", "2", "--seed", "5",
            "--out", path("s.npy") });
        QVERIFY2(npy.code == exit_code::kOk, qPrintable(npy.err));
        QFile f(path("s.npy"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        QVERIFY(bytes.contains("'shape': (300,2)"));
        QCOMPARE(bytes.size() % 64, (300 * 2 * 4) % 64);

        const auto png = runDdil({ "sample", "--checkpoint", path("run1/checkpoint.safetensors"),
            "--steps", "8", "--count", "300", "--out", path("s.png") });
        QCOMPARE(png.code, exit_code::kOk);
        QVERIFY(QFile::exists(path("s.png")));

        const auto badClass
            = runDdil({ "sample", "--checkpoint", path("run1/checkpoint.safetensors"), "--steps",
                "4", "--count", "3", "--class", "8", "--out", path("c.npy") });
        QCOMPARE(badClass.code, exit_code::kInvalidConfig);
        QVERIFY(badClass.err.contains("classes 0 to 7"));

        const auto data
            = runDdil({ "data", path("tiny.json"), "--count", "500", "--out", path("d.npy") });
        QCOMPARE(data.code, exit_code::kOk);
        QFile d(path("d.npy"));
        QVERIFY(d.open(QIODevice::ReadOnly));
        QVERIFY(d.readAll().contains("'shape': (500,2)"));
    }

    void evalPrintsEveryMetricAsJson()
    {
        // The shipped teacher, 200 samples at 2 steps: every metric present and in its range.
        const auto r = runDdil({ "eval", "--checkpoint",
            ddil::test::sourceDir() + "/resources/weights/fashion-mnist-teacher.safetensors",
            "--steps", "2", "--samples", "200", "--seed", "7", "--guidance", "1.5" });
        QVERIFY2(r.code == exit_code::kOk, qPrintable(r.err));
        const auto doc = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(doc["steps"].toInt(), 2);
        QCOMPARE(doc["samples"].toInt(), 200);
        QCOMPARE(doc["guidance"].toObject()["scale"].toDouble(), 1.5);
        QCOMPARE(doc["fid_name"].toString(), QString("FID (evaluator features)"));
        const auto m = doc["metrics"].toObject();
        for (const char* key :
            { "fid", "fid_floor", "kid", "precision", "recall", "density", "coverage", "diversity",
                "diversity_real", "class_consistency", "class_entropy_bits" })
            QVERIFY2(m.contains(key), key);
        QVERIFY(m["fid"].toDouble() > m["fid_floor"].toDouble());
        for (const char* key : { "precision", "recall", "coverage", "class_consistency" })
            QVERIFY(m[key].toDouble() >= 0.0 && m[key].toDouble() <= 1.0);
        int total = 0;
        for (const auto v : doc["class_histogram"].toArray())
            total += v.toInt();
        QCOMPARE(total, 200);
        QVERIFY(doc["wall_seconds"].toObject()["total"].toDouble() > 0.0);

        // The same request twice gives the same numbers (seeded sampling, cached real features).
        const auto again = runDdil({ "eval", "--checkpoint",
            ddil::test::sourceDir() + "/resources/weights/fashion-mnist-teacher.safetensors",
            "--steps", "2", "--samples", "200", "--seed", "7", "--guidance", "1.5" });
        QCOMPARE(QJsonDocument::fromJson(again.out.toUtf8()).object()["metrics"].toObject(), m);
    }

    void distilledStudentRunsSamplesAndEvaluates()
    {
        writeFile(path("tiny-distill.json"), kTinyDistillConfig);
        const auto run
            = runDdil({ "run", path("tiny-distill.json"), "--out", path("student"), "--quiet" });
        QVERIFY2(run.code == exit_code::kOk, qPrintable(run.err));
        // The resolved config records the student's architecture, taken from the teacher.
        QFile resolved(path("student/config.json"));
        QVERIFY(resolved.open(QIODevice::ReadOnly));
        const auto config = QJsonDocument::fromJson(resolved.readAll()).object();
        QCOMPARE(config["model"].toObject()["kind"].toString(), QString("unet"));
        QVERIFY(config["model"].toObject()["guidance_embedding"].toBool());
        const auto r = runDdil({ "eval", "--checkpoint", path("student/checkpoint.safetensors"),
            "--steps", "2", "--samples", "200" });
        QVERIFY2(r.code == exit_code::kOk, qPrintable(r.err));
        const auto doc = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(doc["task"].toString(), QString("distill"));
        QCOMPARE(doc["method"].toString(), QString("lcm"));
        QCOMPARE(doc["guidance"].toObject()["scale"].toDouble(), 2.0);
        QVERIFY(doc["metrics"].toObject()["fid"].toDouble() > 0.0);
        const auto png = runDdil({ "sample", "--checkpoint", path("student/checkpoint.safetensors"),
            "--steps", "2", "--count", "20", "--out", path("student.png") });
        QVERIFY2(png.code == exit_code::kOk, qPrintable(png.err));
        QVERIFY(QImage(path("student.png")).width() > 0);
        // A teacher from other data is refused with the setting named.
        writeFile(path("wrong-teacher.json"),
            QByteArray(kTinyDistillConfig)
                .replace(
                    "fashion-mnist-teacher.safetensors", "toy-checkerboard-teacher.safetensors"));
        const auto wrong = runDdil({ "run", path("wrong-teacher.json"), "--out", path("w") });
        QVERIFY(wrong.code != exit_code::kOk);
        QVERIFY2(wrong.err.contains("distill.teacher") && wrong.err.contains("toy2d"),
            qPrintable(wrong.err));
    }

    void tableMeasuresTheEvaluationNoise()
    {
        // A tiny student with a final evaluation, its checkpoint evaluated with 3 evaluation
        // seeds (eval.count samples each; caches in the test's folder).
        const QByteArray noiseConfig
            = QByteArray(kTinyDistillConfig)
                  .replace("\"count\": 20",
                      "\"count\": 200, \"feature_extractor\": "
                      "\"resources/weights/fashion-mnist-evaluator.safetensors\"")
                  .replace("\"tiny-distill\"", "\"tiny-noise\"");
        writeFile(path("tiny-noise.json"), noiseConfig);
        const auto run
            = runDdil({ "run", path("tiny-noise.json"), "--out", path("noise"), "--quiet" });
        QVERIFY2(run.code == exit_code::kOk, qPrintable(run.err));
        qputenv("DDIL_CACHE_DIR", path("cache").toUtf8());
        const auto r = runDdil(
            { "table", path("noise"), "--eval-noise", path("noise"), "--no-teacher" }, 600000);
        qunsetenv("DDIL_CACHE_DIR");
        QVERIFY2(r.code == exit_code::kOk, qPrintable(r.err));
        const auto note = r.out.trimmed().split('\n').last();
        const QRegularExpression form(
            "^Evaluation noise: tiny-noise \\(.*\\) evaluated with 3 "
            "evaluation seeds, 200 samples each: FID \\(evaluator "
            "features\\) ([0-9.]+), ([0-9.]+), ([0-9.]+) \\(sd ([0-9.]+)\\)\\.$");
        const auto match = form.match(note);
        QVERIFY2(match.hasMatch(), qPrintable(note));
        // Different evaluation seeds draw different noise: the spread is not zero.
        QVERIFY2(match.captured(4).toDouble() > 0.0, qPrintable(note));
        // The first seed is the run's own evaluation seed 0: `ddil eval` gives the same number.
        const auto eval = runDdil({ "eval", "--checkpoint", path("noise/checkpoint.safetensors"),
            "--steps", "2", "--samples", "200", "--seed", "0" });
        QVERIFY2(eval.code == exit_code::kOk, qPrintable(eval.err));
        const double fid = QJsonDocument::fromJson(eval.out.toUtf8())
                               .object()["metrics"]
                               .toObject()["fid"]
                               .toDouble();
        QCOMPARE(QString::number(fid, 'f', 2), match.captured(1));

        // Beside the training seeds' spread of its row, also when the table reads copies of
        // the runs' records (config, state, metrics) from other folders, as the reproduction
        // script's summaries are.
        writeFile(path("tiny-noise-1.json"),
            QByteArray(noiseConfig).replace("\"seed\": 1", "\"seed\": 2"));
        const auto second
            = runDdil({ "run", path("tiny-noise-1.json"), "--out", path("noise-1"), "--quiet" });
        QVERIFY2(second.code == exit_code::kOk, qPrintable(second.err));
        QStringList summaries;
        for (const char* name : { "noise", "noise-1" }) {
            const auto copy = path("summary") + "/" + name;
            QDir().mkpath(copy);
            for (const char* file : { "config.json", "state.json", "metrics.jsonl" })
                QVERIFY(QFile::copy(path(name) + "/" + file, copy + "/" + file));
            summaries << copy;
        }
        qputenv("DDIL_CACHE_DIR", path("cache").toUtf8());
        const auto grouped = runDdil(QStringList { "table" } + summaries
                + QStringList { "--group-seeds", "--eval-noise", path("noise"), "--no-teacher" },
            600000);
        qunsetenv("DDIL_CACHE_DIR");
        QVERIFY2(grouped.code == exit_code::kOk, qPrintable(grouped.err));
        const auto groupedNote = grouped.out.trimmed().split('\n').last();
        QVERIFY2(groupedNote.contains(QRegularExpression(
                     "; the training-seed sd of its row: [0-9.]+ \\(n = 2\\)\\.$")),
            qPrintable(groupedNote));

        // With the teacher's reference rows: every row of the CSV has every column, and every
        // row of the Markdown every cell (the teacher rows have no difference and no p).
        qputenv("DDIL_CACHE_DIR", path("cache").toUtf8());
        const auto withTeacher = runDdil(QStringList { "table" } + summaries
                + QStringList { "--group-seeds", "--teacher-steps", "2,3", "--csv",
                    path("teacher.csv"), "--markdown", path("teacher.md") },
            600000);
        qunsetenv("DDIL_CACHE_DIR");
        QVERIFY2(withTeacher.code == exit_code::kOk, qPrintable(withTeacher.err));
        auto fields = [](QString line, QChar separator) {
            return int(line.remove(QRegularExpression("\"[^\"]*\"")).count(separator));
        };
        const auto csvLines
            = QString::fromUtf8(readFile(path("teacher.csv"))).trimmed().split('\n');
        QCOMPARE(csvLines.size(), 4); // header, the group, the teacher at 2 and at 3 steps
        for (const auto& line : csvLines)
            QCOMPARE(fields(line, ','), fields(csvLines.front(), ','));
        const auto mdLines = QString::fromUtf8(readFile(path("teacher.md"))).split('\n');
        QVERIFY(mdLines.size() > 5 && mdLines[3].startsWith("| teacher (2 steps)"));
        for (int i = 1; i < 5; ++i)
            QCOMPARE(fields(mdLines[i], '|'), fields(mdLines[0], '|'));
    }

    void diagnoseMeasuresTheStudentsShift()
    {
        // Uses the student of distilledStudentRunsSamplesAndEvaluates.
        const auto r = runDdil({ "diagnose", "--checkpoint", path("student/checkpoint.safetensors"),
                                   "--samples", "136", "--no-intervention" },
            600000);
        QVERIFY2(r.code == exit_code::kOk, qPrintable(r.err));
        const auto doc = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(doc["student_steps"].toInt(), 2);
        const auto shift = doc["shift"].toArray();
        QCOMPARE(shift.size(), 2);
        QCOMPARE(shift[0].toObject()["k"].toInt(), 2);
        QCOMPARE(shift[1].toObject()["tau"].toDouble(), 0.5);
        for (const auto& entry : shift) {
            const auto step = entry.toObject();
            for (const char* metric : { "fd", "rawfd" })
                for (const char* pair : { "sf", "st", "tf", "floor" })
                    QVERIFY2(step[metric].toObject()[pair].toDouble() >= 0.0,
                        qPrintable(QString("%1.%2").arg(metric, pair)));
            const auto loss = step["loss"].toObject();
            QCOMPARE(loss["gap"].toDouble(), loss["s"].toDouble() - loss["f"].toDouble());
        }
        // Shared noise: the first states of student and teacher coincide.
        QCOMPARE(shift[0].toObject()["rawfd"].toObject()["st"].toDouble(), 0.0);
        QVERIFY(!doc.contains("intervention"));
        // A teacher has no student to diagnose.
        const auto teacher = runDdil({ "diagnose", "--checkpoint",
            QString::fromStdString(
                ddil::test::sourcePath("resources/weights/fashion-mnist-teacher.safetensors")) });
        QCOMPARE(teacher.code, exit_code::kInvalidConfig);
        QVERIFY2(teacher.err.contains("distill"), qPrintable(teacher.err));
    }

    void sweepWritesRunsAndTablesThem()
    {
        const auto bad = runDdil(
            { "sweep", path("tiny.json"), "--set", "train.nope=1", "--out", path("sweep") });
        QCOMPARE(bad.code, exit_code::kInvalidConfig);
        QVERIFY2(bad.err.contains("train.nope"), qPrintable(bad.err));
        const QStringList args { "sweep", path("tiny.json"), "--set", "seed=3,4", "--set",
            "train.steps=20", "--out", path("sweep"), "--run", "--quiet" };
        const auto r = runDdil(args);
        QVERIFY2(r.code == exit_code::kOk, qPrintable(r.err));
        QFile list(path("sweep/configs.txt"));
        QVERIFY(list.open(QIODevice::ReadOnly));
        QCOMPARE(list.readAll().count('\n'), 2);
        for (const char* run : { "sweep/tiny-seed=3-steps=20", "sweep/tiny-seed=4-steps=20" }) {
            QFile state(path(run) + "/state.json");
            QVERIFY2(state.open(QIODevice::ReadOnly), run);
            const auto s = QJsonDocument::fromJson(state.readAll()).object();
            QCOMPARE(s["status"].toString(), QString("finished"));
            QCOMPARE(s["step"].toInt(), 20);
        }
        // Finished runs are not run again.
        const auto again = runDdil(args);
        QVERIFY2(again.out.count("finished already") == 2, qPrintable(again.out));

        const auto table = runDdil({ "table", path("sweep/tiny-seed=3-steps=20"),
            path("sweep/tiny-seed=4-steps=20"), "--group-seeds", "--csv", path("table.csv") });
        QVERIFY2(table.code == exit_code::kOk, qPrintable(table.err));
        const auto lines = table.out.trimmed().split('\n');
        // Header, rule, one row for both seeds (its own baseline), a blank line, the Δ note.
        QCOMPARE(lines.size(), 5);
        QVERIFY2(lines[2].startsWith("| tiny-steps=20 | teacher | 4 |")
                && lines[2].contains("| 3 4 | 2 |") && lines[2].contains(" ± ")
                && lines[2].contains("| baseline |"),
            qPrintable(lines[2]));
        QVERIFY2(lines[4].startsWith("Δ: difference of means"), qPrintable(lines[4]));
        QFile csv(path("table.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const auto csvLines = QString::fromUtf8(csv.readAll()).trimmed().split('\n');
        QCOMPARE(csvLines.size(), 2);
        QVERIFY(csvLines[0].startsWith("run,method,student_steps,ddil,reflected,beta_data"));
        QVERIFY(csvLines[0].contains("sliced_wasserstein,sliced_wasserstein_sd"));
        // The evaluation's noise is measured with `ddil eval`, which scores images only.
        const auto toyNoise = runDdil({ "table", path("sweep/tiny-seed=3-steps=20"), "--eval-noise",
            path("sweep/tiny-seed=3-steps=20") });
        QVERIFY(toyNoise.code != exit_code::kOk);
        QVERIFY2(toyNoise.err.contains("scores image diffusion models"), qPrintable(toyNoise.err));
        // Not a run folder: named.
        const auto notRun = runDdil({ "table", path("sweep") });
        QCOMPARE(notRun.code, exit_code::kFile);
        QVERIFY2(notRun.err.contains("not a run folder"), qPrintable(notRun.err));
    }

    // sweep.sbatch: valid bash, one array task per config, the task's config from
    // SLURM_ARRAY_TASK_ID, resume or skip by the run's state, and clear errors outside Slurm.
    void sweepWritesASlurmArrayScript()
    {
        const auto r = runDdil({ "sweep", path("tiny.json"), "--set", "seed=5,6", "--set",
            "train.steps=10", "--out", path("array") });
        QVERIFY2(r.code == exit_code::kOk, qPrintable(r.err));
        const QString script = path("array/sweep.sbatch");
        QVERIFY2(r.out.contains("sbatch " + script), qPrintable(r.out));
        QFile f(script);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(f.readAll());
        QVERIFY(text.contains("#SBATCH --array=0-1\n"));
        QVERIFY(text.contains("#SBATCH --output=" + path("array") + "/slurm-%A_%a.out"));
        QVERIFY(QFileInfo(script).isExecutable());
        auto bash = [&](const QStringList& args, const QProcessEnvironment& env) {
            QProcess p;
            p.setProcessEnvironment(env);
            p.start("bash", args);
            p.waitForFinished(ddil::test::patienceMs(120000));
            return Outcome { p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError()) };
        };
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove("SLURM_ARRAY_TASK_ID");
        QCOMPARE(bash({ "-n", script }, env).code, 0);
        const auto outside = bash({ script }, env);
        QVERIFY(outside.code != 0);
        QVERIFY2(outside.err.contains("submit this script with sbatch"), qPrintable(outside.err));
        env.insert("SLURM_ARRAY_TASK_ID", "1");
        env.insert("DDIL", ddil::test::ddilBinary());
        const auto task = bash({ script }, env);
        QVERIFY2(task.code == 0, qPrintable(task.err));
        QCOMPARE(stateStep(path("array/tiny-seed=6-steps=10")), 10);
        QVERIFY(!QFile::exists(path("array/tiny-seed=5-steps=10/state.json"))); // task 0's
        QVERIFY(bash({ script }, env).out.contains("finished already"));
        env.insert("SLURM_ARRAY_TASK_ID", "2");
        const auto beyond = bash({ script }, env);
        QCOMPARE(beyond.code, 2);
        QVERIFY2(beyond.err.contains("no config for task 2"), qPrintable(beyond.err));
    }

    void sampleSheetOfTheShippedTeacher()
    {
        const auto r = runDdil({ "sample", "--checkpoint",
            ddil::test::sourceDir() + "/resources/weights/fashion-mnist-teacher.safetensors",
            "--steps", "2", "--count", "20", "--out", path("sheet.png") });
        QVERIFY2(r.code == exit_code::kOk, qPrintable(r.err));
        QImage sheet(path("sheet.png"));
        // 10 columns (one per class) by 2 rows of 28 x 28 images at scale 2 with 2-pixel gaps.
        QCOMPARE(sheet.width(), 10 * (56 + 2) + 2);
        QCOMPARE(sheet.height(), 2 * (56 + 2) + 2);
        const auto npy = runDdil({ "sample", "--checkpoint",
            ddil::test::sourceDir() + "/resources/weights/fashion-mnist-teacher.safetensors",
            "--steps", "2", "--count", "3", "--out", path("three.npy") });
        QCOMPARE(npy.code, exit_code::kOk);
        QFile f(path("three.npy"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.readAll().contains("'shape': (3,1,28,28)"));
    }

    void exportWeightsDropsTrainingState()
    {
        if (!QFile::exists(path("run1/checkpoint.safetensors")))
            QSKIP("needs the run of runSampleAndDataEndToEnd");
        const auto r = runDdil({ "export-weights", "--checkpoint",
            path("run1/checkpoint.safetensors"), "--out", path("weights.safetensors") });
        QVERIFY2(r.code == exit_code::kOk, qPrintable(r.err));
        QVERIFY(QFileInfo(path("weights.safetensors")).size()
            < QFileInfo(path("run1/checkpoint.safetensors")).size());
        // The exported file samples like the checkpoint it came from (its EMA weights).
        const auto a = runDdil({ "sample", "--checkpoint", path("run1/checkpoint.safetensors"),
            "--steps", "4", "--count", "50", "--out", path("a.npy") });
        const auto b = runDdil({ "sample", "--checkpoint", path("weights.safetensors"), "--steps",
            "4", "--count", "50", "--out", path("b.npy") });
        QCOMPARE(a.code, exit_code::kOk);
        QCOMPARE(b.code, exit_code::kOk);
        QFile fa(path("a.npy")), fb(path("b.npy"));
        QVERIFY(fa.open(QIODevice::ReadOnly) && fb.open(QIODevice::ReadOnly));
        QCOMPARE(fa.readAll(), fb.readAll());
        // It cannot be resumed: no optimiser state.
        QDir().mkpath(path("fromweights"));
        QFile::copy(path("weights.safetensors"), path("fromweights/checkpoint.safetensors"));
        const auto resume
            = runDdil({ "run", path("tiny.json"), "--out", path("fromweights"), "--resume" });
        QCOMPARE(resume.code, exit_code::kFile);
        QVERIFY2(resume.err.contains("no optimiser state"), qPrintable(resume.err));
    }

    void corruptAndMismatchedCheckpoints()
    {
        writeFile(path("junk.pt"), "not a checkpoint");
        const auto junk = runDdil({ "sample", "--checkpoint", path("junk.pt"), "--steps", "4",
            "--count", "3", "--out", path("j.npy") });
        QCOMPARE(junk.code, exit_code::kFile);
        QVERIFY2(junk.err.contains("not a DDIL Workbench checkpoint"), qPrintable(junk.err));
        QCOMPARE(junk.err.trimmed().count('\n'), 0);

        // Resuming a run folder with a config for another model names both models.
        QByteArray wider = kTinyConfig;
        wider.replace("\"hidden\": 32", "\"hidden\": 48");
        writeFile(path("wider.json"), wider);
        if (!QFile::exists(path("run1/checkpoint.safetensors")))
            QSKIP("needs the run of runSampleAndDataEndToEnd");
        const auto r = runDdil({ "run", path("wider.json"), "--out", path("run1"), "--resume" });
        QCOMPARE(r.code, exit_code::kFile);
        QVERIFY2(r.err.contains("hidden=32") && r.err.contains("hidden=48"), qPrintable(r.err));
    }

    void progressFormatting()
    {
        QCOMPARE(QString::fromStdString(ProgressPrinter::formatDuration(65)), QString("1:05"));
        QCOMPARE(QString::fromStdString(ProgressPrinter::formatDuration(3723)), QString("1:02:03"));
        StepReport r;
        r.step = 250;
        r.totalSteps = 1000;
        const QString bar = QString::fromStdString(ProgressPrinter::renderBar(r, 50.0, 20));
        const EvalReport eval { 1000,
            { { "eval/mmd", 0.061 }, { "eval/x", 2.0 }, { "eval/mmd_floor", 0.0635 } } };
        QCOMPARE(QString::fromStdString(ProgressPrinter::formatEval(eval)),
            QString("eval at step 1000: eval/mmd 0.061 (floor 0.0635), eval/x 2"));
        QVERIFY2(bar.startsWith("[#####...............]  25% 250/1000  50.0 it/s  ETA 0:15"),
            qPrintable(bar));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
