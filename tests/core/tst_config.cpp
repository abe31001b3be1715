#include "core/api/config_io.h"
#include "core/io/resource_path.h"
#include "tests/test_support.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace ddil;
using ddil::test::writeFile;

namespace {
const ConfigIssue* findIssue(const ConfigLoadResult& r, const std::string& path)
{
    for (const auto& i : r.issues)
        if (i.path == path)
            return &i;
    return nullptr;
}

// The issues at `path` among `issues`.
std::vector<ConfigIssue> issueAt(const std::vector<ConfigIssue>& issues, const std::string& path)
{
    std::vector<ConfigIssue> out;
    for (const auto& issue : issues)
        if (issue.path == path)
            out.push_back(issue);
    return out;
}

} // namespace

class TestConfig : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // The schema the Advanced form is generated from: every leaf the loader reads, with its
    // kind, range, choices and a sentence of help; the Mixture panel's keys marked live.
    void schemaListsEveryLeafWithHelp()
    {
        const auto schema = configSchema();
        QStringList paths, undocumented;
        for (const auto& f : schema) {
            paths << QString::fromStdString(f.path);
            if (f.help.empty() && f.path.find("[]") == std::string::npos) // a list's element
                undocumented << QString::fromStdString(f.path);
        }
        QVERIFY2(undocumented.isEmpty(), qPrintable("no help: " + undocumented.join(", ")));
        // Every field configFields lists (the canonical JSON's leaves) is in the schema.
        for (const auto& field : configFields(RunConfig {})) {
            QString path = QString::fromStdString(field.path);
            QVERIFY2(paths.contains(path), qPrintable(path));
        }
        auto find = [&](const char* path) {
            return *std::find_if(
                schema.begin(), schema.end(), [&](const SchemaField& f) { return f.path == path; });
        };
        const auto p = find("distill.ddil.p_teach");
        QVERIFY(p.kind == SchemaField::Kind::Number && p.live && p.range->hi == 1.0);
        const auto rollouts = find("distill.ddil.student_rollouts");
        QVERIFY(rollouts.kind == SchemaField::Kind::Choice && !rollouts.live);
        QVERIFY(rollouts.choices == std::vector<std::string>({ "buffered", "fresh" }));
        QVERIFY(find("distill.ddil.beta").kind == SchemaField::Kind::Numbers);
        QVERIFY(find("model.channel_mult").kind == SchemaField::Kind::Integers);
        QVERIFY(find("distill.ddil.changes").kind == SchemaField::Kind::Objects);
        QVERIFY(find("train.steps").range->integer && find("train.steps").range->hi == 1e8);
        QCOMPARE(int(std::count_if(
                     schema.begin(), schema.end(), [](const SchemaField& f) { return f.live; })),
            7);
    }

    // distill.ddil.changes: a list of objects, read, checked and written back.
    void mixtureChangesRoundTripAndAreChecked()
    {
        const auto ok
            = parseConfig(R"({"schema_version": 1, "task": "distill", "distill": {"teacher": "t.pt",
            "ddil": {"changes": [{"step": 10, "beta": [0.2, 0.2, 0.6], "p_teach": 0.5,
            "projection": "dynamic"}, {"step": 30, "buffer_capacity": 64}]}}})");
        QVERIFY(ok.ok());
        const auto& changes = ok.config.distill.ddil.changes;
        QCOMPARE(int(changes.size()), 2);
        QCOMPARE(changes[0].step, 10);
        QCOMPARE(changes[0].beta[2], 0.6);
        QVERIFY(changes[0].projection == ProjectionKind::Dynamic);
        QCOMPARE(changes[1].beta[0], 1.0); // fields left out keep their defaults
        QCOMPARE(changes[1].buffer_capacity, 64);
        QVERIFY(parseConfig(configToJson(ok.config)).config == ok.config);

        const auto bad
            = parseConfig(R"({"schema_version": 1, "task": "distill", "distill": {"teacher": "t.pt",
            "ddil": {"changes": [{"step": 30, "typo": 1}, {"step": 10, "beta": [0.5, 0.6, 0]},
            {"step": 40, "p_teach": 2}, 7]}}})");
        QStringList texts;
        for (const auto& issue : bad.issues)
            texts << QString::fromStdString(issue.toString());
        QVERIFY2(texts.contains("warning: distill.ddil.changes[0].typo: unknown key (ignored)"),
            qPrintable(texts.join('\n')));
        QVERIFY(texts.contains("error: distill.ddil.changes[3]: must be an object, got number 7"));
        QVERIFY(!bad.ok());
        // Without the non-object entry, the checks of the entries themselves.
        const auto checked
            = parseConfig(R"({"schema_version": 1, "task": "distill", "distill": {"teacher": "t.pt",
            "ddil": {"changes": [{"step": 30}, {"step": 10, "beta": [0.5, 0.6, 0]},
            {"step": 40, "p_teach": 2}]}}})");
        texts.clear();
        for (const auto& issue : checked.issues)
            texts << QString::fromStdString(issue.toString());
        QVERIFY2(texts.contains("error: distill.ddil.changes[1].beta: must sum to 1, got 1.1"),
            qPrintable(texts.join('\n')));
        QVERIFY(texts.contains(
            "error: distill.ddil.changes[1].step: changes must be listed in step order"));
        QVERIFY(texts.contains("error: distill.ddil.changes[2].p_teach: must be in [0, 1], got 2"));
    }

    void mixtureOfAndSetMixtureMapTheSameFields()
    {
        DistillConfig d;
        d.ddil.beta = { 0.5, 0.25, 0.25 };
        d.ddil.p_teach = 0.3;
        d.ddil.refresh_every = 7;
        d.reflection.projection = ProjectionKind::Static;
        const MixtureSnapshot m = mixtureOf(d);
        QCOMPARE(m.beta[1], 0.25);
        QCOMPARE(m.p_teach, 0.3);
        QCOMPARE(m.refresh_every, 7);
        QVERIFY(m.projection == ProjectionKind::Static);
        DistillConfig other;
        setMixture(other, m);
        RunConfig a, b;
        a.distill = d;
        b.distill = other;
        QVERIFY(a == b);
    }

    void defaultsRoundTrip()
    {
        RunConfig c;
        c.name = "round-trip";
        c.seed = 18446744073709551615ull; // uint64 max survives
        c.diffusion.prediction = Prediction::V;
        c.sample.guidance = { 2.5, GuidanceConvention::CondPlusW };
        c.data.kind = DataKind::ImageFolder;
        c.data.path = "/data/flowers";
        c.data.channels = 3;
        c.model.kind = ModelKind::Unet;
        c.model.channel_mult = { 1, 2, 4, 4 };
        c.model.attention = false;
        c.eval.feature_extractor = "inception.pt";
        const auto loaded = parseConfig(configToJson(c));
        QVERIFY(loaded.ok());
        QVERIFY(loaded.issues.empty());
        QVERIFY(loaded.config == c);
        QCOMPARE(loaded.config.seed, c.seed);
        QCOMPARE(configToJson(loaded.config), configToJson(c));
    }

    void canonicalJsonUsesSnakeCaseAndEnumStrings()
    {
        const QString json = QString::fromStdString(configToJson(RunConfig {}));
        QVERIFY(json.contains("\"schema_version\": 1"));
        QVERIFY(json.contains("\"batch_size\""));
        QVERIFY(json.contains("\"convention\": \"uncond_plus_w\""));
        QVERIFY(json.contains("\"schedule\": \"cosine\""));
    }

    void issueCarriesPath_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<bool>("isError");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown key")
            << R"({"schema_version":1,"train":{"stepz":5}})" << false << "train.stepz"
            << "unknown key";
        QTest::newRow("unknown top key")
            << R"({"schema_version":1,"colour":"red"})" << false << "colour"
            << "unknown key";
        QTest::newRow("wrong type")
            << R"({"schema_version":1,"train":{"lr":"fast"}})" << true << "train.lr"
            << "must be a number";
        QTest::newRow("out of range")
            << R"({"schema_version":1,"train":{"lr":-1}})" << true << "train.lr"
            << "must be in [0, 10]";
        QTest::newRow("not an integer")
            << R"({"schema_version":1,"train":{"steps":1.5}})" << true << "train.steps"
            << "must be an integer";
        QTest::newRow("unknown enum")
            << R"({"schema_version":1,"diffusion":{"schedule":"quadratic"}})" << true
            << "diffusion.schedule"
            << "expected \"cosine\" or \"linear\"";
        QTest::newRow("nested enum")
            << R"({"schema_version":1,"sample":{"guidance":{"convention":"plus"}}})" << true
            << "sample.guidance.convention"
            << "unknown value \"plus\"";
        QTest::newRow("enum wrong type")
            << R"({"schema_version":1,"runtime":{"device":3}})" << true << "runtime.device"
            << "must be one of";
        QTest::newRow("diagnostics without a student")
            << R"({"schema_version":1,"eval":{"shift_diagnostics":true}})" << true
            << "eval.shift_diagnostics"
            << "only distillation runs have a student to diagnose";
        QTest::newRow("diagnose samples") << R"({"schema_version":1,"eval":{"diagnose_samples":4}})"
                                          << true << "eval.diagnose_samples"
                                          << "must be in [16, 1000000]";
        QTest::newRow("object expected") << R"({"schema_version":1,"train":5})" << true << "train"
                                         << "must be an object";
        QTest::newRow("null object") << R"({"schema_version":1,"train":null})" << true << "train"
                                     << "must be an object";
        QTest::newRow("negative seed") << R"({"schema_version":1,"seed":-3})" << true << "seed"
                                       << "non-negative integer";
        QTest::newRow("missing schema") << R"({"name":"x"})" << true << "schema_version"
                                        << "missing";
        QTest::newRow("newer schema") << R"({"schema_version":2})" << true << "schema_version"
                                      << "must be in [1, 1]";
        QTest::newRow("cross check")
            << R"({"schema_version":1,"diffusion":{"logsnr_min":5,"logsnr_max":1}})" << true
            << "diffusion.logsnr_min"
            << "must be below";
        QTest::newRow("empty name") << R"({"schema_version":1,"name":""})" << true << "name"
                                    << "must not be empty";
        QTest::newRow("bool expected")
            << R"({"schema_version":1,"model":{"attention":"yes"}})" << true << "model.attention"
            << "must be true or false";
        QTest::newRow("list expected")
            << R"({"schema_version":1,"model":{"channel_mult":2}})" << true << "model.channel_mult"
            << "non-empty list of integers";
        QTest::newRow("list item out of range")
            << R"({"schema_version":1,"model":{"channel_mult":[1,0]}})" << true
            << "model.channel_mult"
            << "must hold integers in [1, 64]";
        QTest::newRow("mlp on images")
            << R"({"schema_version":1,"data":{"kind":"fashion_mnist"}})" << true << "model.kind"
            << "use \"unet\" for images";
        QTest::newRow("unet on toy data")
            << R"({"schema_version":1,"model":{"kind":"unet"}})" << true << "model.kind"
            << "use \"mlp\" for 2-D toy data";
        QTest::newRow("evaluator needs a classifier")
            << R"({"schema_version":1,"task":"evaluator","data":{"kind":"fashion_mnist"},"model":{"kind":"unet"}})"
            << true << "model.kind"
            << "trains a \"classifier\"";
        QTest::newRow("idx needs a path")
            << R"({"schema_version":1,"data":{"kind":"idx"},"model":{"kind":"unet"}})" << true
            << "data.path"
            << "must name the IDX files";
        QTest::newRow("groups divide channels")
            << R"({"schema_version":1,"data":{"kind":"fashion_mnist"},"model":{"kind":"unet","channels":30,"groups":8}})"
            << true << "model.groups"
            << "must divide model.channels";
        const QString distill
            = R"({"schema_version":1,"task":"distill","data":{"kind":"fashion_mnist"},"distill":{"teacher":"t.pt",%1}})";
        QTest::newRow("beta must sum to 1")
            << distill.arg(R"("ddil":{"beta":[0.5,0.5,0.5]})") << true << "distill.ddil.beta"
            << "must sum to 1, got 1.5";
        QTest::newRow("beta has three priors")
            << distill.arg(R"("ddil":{"beta":[0.5,0.5]})") << true << "distill.ddil.beta"
            << "must hold 3 priors";
        QTest::newRow("beta item out of range")
            << distill.arg(R"("ddil":{"beta":[1.5,0,-0.5]})") << true << "distill.ddil.beta[0]"
            << "must be in [0, 1]";
        QTest::newRow("timesteps descend")
            << distill.arg(R"("student_steps":2,"timesteps":[0.5,0.9])") << true
            << "distill.timesteps[1]"
            << "must be below the one before it";
        QTest::newRow("pd halves") << distill.arg(R"("method":"pd","pd":{"start_steps":24})")
                                   << true << "distill.pd.start_steps"
                                   << "times a power of 2";
        QTest::newRow("teacher grid")
            << distill.arg(R"("student_steps":3,"ddil":{"teacher_steps":16})") << true
            << "distill.ddil.teacher_steps"
            << "multiple of distill.student_steps";
        QTest::newRow("ramp needs steps")
            << distill.arg(R"("ddil":{"beta_schedule":"ramp_student"})") << true
            << "distill.ddil.ramp_steps"
            << "must be positive";
        QTest::newRow("teacher required")
            << R"({"schema_version":1,"task":"distill"})" << true << "distill.teacher"
            << "must name the teacher checkpoint";
        QTest::newRow("unknown method")
            << distill.arg(R"("method":"gan")") << true << "distill.method"
            << "expected \"pd\", \"lcm\" or \"dmd2\"";
    }

    void issueCarriesPath()
    {
        QFETCH(QString, json);
        QFETCH(bool, isError);
        QFETCH(QString, path);
        QFETCH(QString, message);
        const auto r = parseConfig(json.toStdString());
        const ConfigIssue* issue = findIssue(r, path.toStdString());
        QVERIFY2(issue, qPrintable("no issue at " + path));
        QCOMPARE(issue->severity == ConfigIssue::Severity::Error, isError);
        QVERIFY2(QString::fromStdString(issue->message).contains(message), issue->message.c_str());
        QCOMPARE(r.ok(), !isError);
    }

    void badValueKeepsDefault()
    {
        const auto r = parseConfig(R"({"schema_version":1,"train":{"lr":"fast","steps":77}})");
        QCOMPARE(r.config.train.lr, TrainConfig {}.lr);
        QCOMPARE(r.config.train.steps, 77);
    }

    void reportsEveryProblemAtOnce()
    {
        const auto r = parseConfig(
            R"({"schema_version":1,"train":{"lr":-1,"batch_size":"big"},"model":{"kind":"transformer"},"extra":1})");
        QCOMPARE(static_cast<int>(r.errors().size()), 3);
        QCOMPARE(static_cast<int>(r.warnings().size()), 1);
    }

    void invalidJsonNamesLocation()
    {
        const auto r = parseConfig("{\n  \"schema_version\": 1,\n  \"train\": {\"lr\": }\n}");
        QVERIFY(!r.ok());
        QCOMPARE(static_cast<int>(r.issues.size()), 1);
        const QString msg = QString::fromStdString(r.issues[0].message);
        QVERIFY2(msg.contains("invalid JSON") && msg.contains("line 3"), qPrintable(msg));
    }

    void garbageNeverThrows_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("empty") << QByteArray("");
        QTest::newRow("null") << QByteArray("null");
        QTest::newRow("array") << QByteArray("[1,2]");
        QTest::newRow("number") << QByteArray("42");
        QTest::newRow("string") << QByteArray("\"config\"");
        QTest::newRow("binary") << QByteArray("\x89PNG\r\n\x1a\n\0\0\0", 11);
        QTest::newRow("deep") << QByteArray(
            R"({"schema_version":1,"sample":{"guidance":[]},"data":{"kind":{}}})");
        QTest::newRow("huge number")
            << QByteArray(R"({"schema_version":1,"train":{"steps":1e300,"lr":1e400}})");
        QTest::newRow("extends not string") << QByteArray(R"({"schema_version":1,"extends":5})");
    }

    void garbageNeverThrows()
    {
        QFETCH(QByteArray, text);
        ConfigLoadResult r;
        try {
            r = parseConfig(text.toStdString());
        } catch (...) {
            QFAIL("parseConfig threw");
        }
        QVERIFY(!r.ok());
        QVERIFY(!r.issues.empty());
    }

    void mergeLaysObjectsKeyByKey()
    {
        const std::string merged = mergeConfigJson(
            R"({"a":{"b":1,"c":2},"d":[1,2],"e":"x"})", R"({"a":{"c":3},"d":[3],"f":true})");
        QCOMPARE(QString::fromStdString(merged).simplified().remove(' '),
            QString(R"({"a":{"b":1,"c":3},"d":[3],"e":"x","f":true})"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, mergeConfigJson("{", "{}"));
    }

    void extendsLaysFileOverParent()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath("base.json"),
            R"({"schema_version":1,"name":"base","train":{"steps":10,"lr":0.5}})");
        QDir(dir.path()).mkdir("sub");
        writeFile(
            dir.filePath("sub/child.json"), R"({"extends":"../base.json","train":{"steps":20}})");
        const auto r = loadConfigFile(dir.filePath("sub/child.json").toStdString());
        QVERIFY2(r.ok(), r.issues.empty() ? "" : r.issues[0].toString().c_str());
        QCOMPARE(r.config.name, std::string("base"));
        QCOMPARE(r.config.train.steps, 20);
        QCOMPARE(r.config.train.lr, 0.5);
    }

    void extendsCycleIsAnError()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath("a.json"), R"({"schema_version":1,"extends":"b.json"})");
        writeFile(dir.filePath("b.json"), R"({"extends":"a.json"})");
        const auto r = loadConfigFile(dir.filePath("a.json").toStdString());
        QVERIFY(!r.ok());
        QVERIFY(findIssue(r, "extends"));
    }

    void relativeInputPathsFollowTheConfigFile()
    {
        QTemporaryDir dir;
        QDir(dir.path()).mkpath("sub/idx");
        writeFile(dir.filePath("base.json"),
            R"({"schema_version":1,"data":{"kind":"idx","path":"sub/idx","labels_path":"no.idx"}})");
        writeFile(dir.filePath("sub/child.json"),
            R"({"extends":"../base.json","eval":{"feature_extractor":"features.pt"}})");
        const auto r = loadConfigFile(dir.filePath("sub/child.json").toStdString());
        const std::string root = QDir(dir.path()).canonicalPath().toStdString();
        // Each path is relative to the file that names it, found there or not.
        QCOMPARE(r.config.data.path, root + "/sub/idx");
        QCOMPARE(r.config.data.labels_path, root + "/no.idx");
        QCOMPARE(r.config.eval.feature_extractor, root + "/sub/features.pt");
        // Text from no file: relative paths stay resource names; a relative extends is refused.
        QCOMPARE(parseConfig(R"({"schema_version":1,"distill":{"teacher":"t.pt"}})")
                     .config.distill.teacher,
            std::string("t.pt"));
        QVERIFY(findIssue(parseConfig(R"({"schema_version":1,"extends":"base.json"})"), "extends"));
    }

    // A config written before checkpoints were safetensors files names the shipped teacher by its
    // .pt name: the name stays a shipped resource (not anchored to the config's folder) and
    // resolves to the .safetensors file.
    void shippedTeacherByItsEarlierNameStillResolves()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath("old.json"),
            (R"({"extends": ")"
                + QString::fromStdString(
                    test::sourcePath("configs/toy/distill/checkerboard-lcm.json"))
                + R"(", "distill": {"teacher": "resources/weights/toy-checkerboard-teacher.pt"}})")
                .toUtf8());
        const auto r = loadConfigFile(dir.filePath("old.json").toStdString());
        QVERIFY2(r.ok(), r.issues.empty() ? "" : r.issues[0].toString().c_str());
        QCOMPARE(
            r.config.distill.teacher, std::string("resources/weights/toy-checkerboard-teacher.pt"));
        QCOMPARE(QFileInfo(QString::fromStdString(resolveResourcePath(r.config.distill.teacher)))
                     .canonicalFilePath(),
            QFileInfo(QString::fromStdString(test::sourcePath(
                          "resources/weights/toy-checkerboard-teacher.safetensors")))
                .canonicalFilePath());
    }

    void plantedResourceInWorkingFolderIsIgnored()
    {
        // A shipped preset names resources/weights/...; a file of that name in the working
        // folder must not replace the shipped one.
        QTemporaryDir dir;
        const QString planted = dir.filePath("resources/weights/fashion-mnist-teacher.safetensors");
        QDir(dir.path()).mkpath("resources/weights");
        writeFile(planted, "planted");
        const QString before = QDir::currentPath();
        QVERIFY(QDir::setCurrent(dir.path()));
        const auto r = loadConfigFile(test::sourcePath("configs/fashion-mnist/distill/lcm.json"));
        const std::string resolved = resolveResourcePath(r.config.distill.teacher);
        QVERIFY(QDir::setCurrent(before));
        QVERIFY2(r.ok(), r.issues.empty() ? "" : r.issues[0].toString().c_str());
        QCOMPARE(r.config.distill.teacher,
            std::string("resources/weights/fashion-mnist-teacher.safetensors"));
        QCOMPARE(QFileInfo(QString::fromStdString(resolved)).canonicalFilePath(),
            QFileInfo(QString::fromStdString(
                          test::sourcePath("resources/weights/fashion-mnist-teacher.safetensors")))
                .canonicalFilePath());
    }

    void nameMustBePlainFileName_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("problem");
        QTest::newRow("slash") << "runs/../../escape"
                               << "without '/'";
        QTest::newRow("absolute") << "/tmp/x"
                                  << "without '/'";
        QTest::newRow("dot dot") << ".."
                                 << "not \"..\"";
        QTest::newRow("newline") << "a\nb"
                                 << "control characters (character 10)";
        QTest::newRow("nul") << QString("a") + QChar(0) + "b" << "control characters (character 0)";
        QTest::newRow("256 bytes") << QString(256, 'x') << "256 bytes";
        // 240 bytes pass a file name's 255 but not "<name>-YYYYmmdd-HHMMSS".
        QTest::newRow("240 bytes") << QString(240, 'x') << "240 bytes; at most 239";
        QTest::newRow("C1 next line")
            << QString("a") + QChar(0x85) + "b" << "control characters (character U+0085)";
        QTest::newRow("C1 csi") << QString("a") + QChar(0x9b) << "(character U+009B)";
    }

    void nameMustBePlainFileName()
    {
        QFETCH(QString, name);
        QFETCH(QString, problem);
        const auto withName = [](const QString& n) {
            return QJsonDocument(QJsonObject { { "schema_version", 1 }, { "name", n } })
                .toJson()
                .toStdString();
        };
        const auto issues = issueAt(parseConfig(withName(name)).issues, "name");
        QCOMPARE(int(issues.size()), 1);
        QVERIFY2(
            QString::fromStdString(issues[0].message).contains(problem), issues[0].message.c_str());
        // 239 bytes, ordinary punctuation and other non-ASCII letters (U+00A0 and up) are fine.
        QVERIFY(issueAt(parseConfig(withName(QString(239, 'y'))).issues, "name").empty());
        QVERIFY(issueAt(
            parseConfig(withName(QString("caf") + QChar(0xe9) + QChar(0xa0))).issues, "name")
                .empty());
        QVERIFY(issueAt(parseConfig(withName("lcm-seed=0-beta=0.5_0.5")).issues, "name").empty());
    }

    void duplicateKeyIsAnErrorWithItsPath_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("path");
        QTest::newRow("top") << QByteArray(R"({"schema_version":1,"name":"a","name":"b"})")
                             << "name";
        QTest::newRow("nested") << QByteArray(
            R"({"schema_version":1,"train":{"lr":0.1,"steps":5,"lr":0.2}})")
                                << "train.lr";
        QTest::newRow("in a list") << QByteArray(
            R"({"schema_version":1,"distill":{"ddil":{"changes":[{"step":1},{"step":2,"beta":[1,0,0],"step":3}]}}})")
                                   << "distill.ddil.changes[1].step";
    }

    void duplicateKeyIsAnErrorWithItsPath()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, path);
        const auto r = parseConfig(text.toStdString());
        QVERIFY(!r.ok());
        const QString message = QString::fromStdString(r.issues.at(0).message);
        QVERIFY2(message.contains("duplicate key \"" + path + "\""), qPrintable(message));
        // The same keys in different objects are not duplicates.
        const auto siblings
            = parseConfig(R"({"schema_version":1,"data":{"kind":"toy2d"},"model":{"kind":"mlp"}})");
        QVERIFY2(siblings.ok(), siblings.issues.empty() ? "" : siblings.issues[0].message.c_str());
    }

    void extendsMustBeABoundedRegularFile_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("problem");
        QTest::newRow("device") << "/dev/zero"
                                << "is not a regular file (a device)";
        QTest::newRow("fifo") << "FIFO"
                              << "is not a regular file (a FIFO)";
        QTest::newRow("folder") << "."
                                << "is a directory";
        QTest::newRow("17 MiB") << "BIG"
                                << "more than the 16777216 allowed";
    }

    void extendsMustBeABoundedRegularFile()
    {
        QFETCH(QString, target);
        QFETCH(QString, problem);
        QTemporaryDir dir;
        if (target == "FIFO") {
            target = dir.filePath("pipe");
            QCOMPARE(QProcess::execute("mkfifo", { target }), 0);
        } else if (target == "BIG") {
            target = dir.filePath("big.json");
            writeFile(
                target, QJsonDocument(QJsonObject { { "a", QString(17 << 20, 'x') } }).toJson());
        }
        writeFile(dir.filePath("c.json"),
            QJsonDocument(QJsonObject { { "schema_version", 1 }, { "extends", target } }).toJson());
        QElapsedTimer clock;
        clock.start();
        const auto r = loadConfigFile(dir.filePath("c.json").toStdString());
        QVERIFY(clock.elapsed() < 5000); // neither waits for a writer nor reads /dev/zero
        const auto* issue = findIssue(r, "extends");
        QVERIFY(issue);
        QVERIFY2(QString::fromStdString(issue->message).contains(problem), issue->message.c_str());
        // The same checks for the config file itself.
        const auto direct = loadConfigFile(target.toStdString());
        QVERIFY(!direct.ok());
        QVERIFY2(QString::fromStdString(direct.issues.at(0).message).contains(problem),
            direct.issues.at(0).message.c_str());
    }

    void missingFileNamesIt()
    {
        const auto r = loadConfigFile("/nonexistent/dir/run.json");
        QVERIFY(!r.ok());
        QVERIFY(QString::fromStdString(r.issues[0].message)
                .contains("/nonexistent/dir/run.json: file not found"));
    }

    void validateInMemoryUsesTheSameRules()
    {
        RunConfig c;
        c.train.lr = -1;
        c.sample.steps = 0;
        const auto issues = validateConfig(c);
        QCOMPARE(static_cast<int>(issues.size()), 2);
        QCOMPARE(issues[0].path, std::string("train.lr"));
        QCOMPARE(issues[1].path, std::string("sample.steps"));
        QVERIFY(validateConfig(RunConfig {}).empty());
    }

    void fieldsListEveryKeyInCanonicalOrder()
    {
        RunConfig c;
        c.sample.guidance.scale = 2.5;
        const auto fields = configFields(c);
        QCOMPARE(fields.front().path, std::string("schema_version"));
        QCOMPARE(fields[1].path, std::string("name"));
        auto find = [&](const std::string& path) {
            for (const auto& f : fields)
                if (f.path == path)
                    return f.value;
            return std::string("<missing>");
        };
        QCOMPARE(find("sample.guidance.scale"), std::string("2.5"));
        QCOMPARE(find("diffusion.schedule"), std::string("cosine"));
        QCOMPARE(find("train.steps"), std::to_string(TrainConfig {}.steps));
        QCOMPARE(find("model.channel_mult"), std::string("[1,2,2]"));
        QCOMPARE(find("model.attention"), std::string("true"));
        // As many fields as leaves in the canonical JSON.
        const QString json = QString::fromStdString(configToJson(c));
        QCOMPARE(static_cast<int>(fields.size()),
            static_cast<int>(json.count(QRegularExpression(R"("\w+": [^{])"))));
    }

    void differencesNameChangedFields()
    {
        RunConfig a, b;
        QVERIFY(configDifferences(a, b).empty());
        b.train.steps = 50;
        b.sample.guidance.convention = GuidanceConvention::CondPlusW;
        const auto diff = configDifferences(a, b);
        QCOMPARE(static_cast<int>(diff.size()), 2);
        QCOMPARE(diff[0], "train.steps: " + std::to_string(a.train.steps) + " -> 50");
        QCOMPARE(diff[1], std::string("sample.guidance.convention: uncond_plus_w -> cond_plus_w"));
    }

    void hashFollowsContent()
    {
        RunConfig a, b;
        QCOMPARE(configHash(a), configHash(b));
        b.train.lr *= 2;
        QVERIFY(configHash(a) != configHash(b));
        QCOMPARE(static_cast<int>(configHash(a).size()), 12);
    }

    void shippedConfigsAreValid()
    {
        QDirIterator it(ddil::test::sourceDir() + "/configs", { "*.json" }, QDir::Files,
            QDirIterator::Subdirectories);
        int count = 0;
        while (it.hasNext()) {
            const QString path = it.next();
            // The start page's preset index and measured times are not configs.
            if (path.endsWith("/presets.json") || path.endsWith("/preset-times.json"))
                continue;
            const auto r = loadConfigFile(path.toStdString());
            QVERIFY2(r.issues.empty(),
                qPrintable(path + ": "
                    + QString::fromStdString(r.issues.empty() ? "" : r.issues[0].toString())));
            ++count;
        }
        QVERIFY(count >= 4);
    }

    void schemaRangesAreTheLoadersRanges()
    {
        const auto pTeach = schemaRange("distill.ddil.p_teach");
        QVERIFY(pTeach.has_value());
        QCOMPARE(pTeach->lo, 0.0);
        QCOMPARE(pTeach->hi, 1.0);
        QVERIFY(!pTeach->integer);
        const auto steps = schemaRange("distill.student_steps");
        QVERIFY(steps && steps->integer);
        QCOMPARE(steps->lo, 1.0);
        QCOMPARE(steps->hi, 10000.0);
        QVERIFY(schemaRange("distill.ddil.changes[].p_teach").has_value());
        QVERIFY(schemaRange("distill.ddil.beta").has_value()); // a list: the range of each value
        QVERIFY(!schemaRange("name").has_value()); // a string: no range
        QVERIFY(!schemaRange("distill.no_such_field").has_value());
        // The loader enforces exactly these bounds: hi passes, just above it fails.
        RunConfig c;
        c.distill.student_steps = static_cast<int>(steps->hi);
        QVERIFY(issueAt(validateConfig(c), "distill.student_steps").empty());
        c.distill.student_steps = static_cast<int>(steps->hi) + 1;
        QVERIFY(!issueAt(validateConfig(c), "distill.student_steps").empty());
    }

    // LCM trains f only on its solver grid: student times off it are refused, with the path,
    // the times missed and the nearest solver step counts that fit.
    void lcmSolverGridMustPassThroughTheStudentTimes()
    {
        RunConfig c;
        c.task = Task::Distill;
        c.distill.teacher = "teacher.pt";
        c.distill.method = DistillMethod::Consistency;
        c.distill.student_steps = 4;
        c.distill.lcm.solver_steps = 50; // j/50 misses 0.75 and 0.25
        auto issues = issueAt(validateConfig(c), "distill.lcm.solver_steps");
        QCOMPARE(int(issues.size()), 1);
        const auto& message = issues.front().message;
        QVERIFY2(message.find("misses the student times 0.75, 0.25") != std::string::npos,
            message.c_str());
        QVERIFY2(message.find("nearest valid solver_steps: 48 or 52") != std::string::npos,
            message.c_str());
        QVERIFY(issues.front().trainingOnly);
        QCOMPARE(nearestValidSolverSteps(c.distill), (std::vector<int> { 48, 52 }));

        c.distill.lcm.solver_steps = 48; // a multiple of N: valid
        QVERIFY(issueAt(validateConfig(c), "distill.lcm.solver_steps").empty());
        QVERIFY(timesOffSolverGrid(c.distill, 48).empty());

        // Explicit times in tenths: j/25 misses 0.7 and 0.5; 20 and 30 are the nearest fits.
        c.distill.timesteps = { 1.0, 0.7, 0.5, 0.2 };
        c.distill.lcm.solver_steps = 25;
        issues = issueAt(validateConfig(c), "distill.lcm.solver_steps");
        QCOMPARE(int(issues.size()), 1);
        const auto& explicitMessage = issues.front().message;
        QVERIFY2(explicitMessage.find("misses the student times 0.7, 0.5,") != std::string::npos
                && explicitMessage.find("nearest valid solver_steps: 20 or 30") != std::string::npos
                && explicitMessage.find("0.72 (18/25), 0.52 (13/25)") != std::string::npos,
            explicitMessage.c_str());
        c.distill.lcm.solver_steps = 30;
        QVERIFY(issueAt(validateConfig(c), "distill.lcm.solver_steps").empty());

        // Other methods train on their own grids: the LCM rule does not apply to them.
        c.distill.method = DistillMethod::Dmd2;
        c.distill.lcm.solver_steps = 50;
        QVERIFY(issueAt(validateConfig(c), "distill.lcm.solver_steps").empty());

        // A config breaking only this rule still describes a readable model (old checkpoints).
        c.distill.method = DistillMethod::Consistency;
        c.distill.timesteps.clear();
        const auto loaded = parseConfig(configToJson(c));
        QVERIFY(!loaded.ok());
        QVERIFY(loaded.readable());
    }

    void pTeachDecayNeedsItsLength()
    {
        RunConfig c;
        c.task = Task::Distill;
        c.distill.teacher = "teacher.pt";
        c.distill.ddil.p_teach_schedule = PTeachSchedule::LinearDecay;
        QCOMPARE(int(issueAt(validateConfig(c), "distill.ddil.p_teach_decay_steps").size()), 1);
        c.distill.ddil.p_teach_decay_steps = 300;
        QVERIFY(issueAt(validateConfig(c), "distill.ddil.p_teach_decay_steps").empty());
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"
