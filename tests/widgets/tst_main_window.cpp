// The main window, offscreen: loading configs, showing their problems, the About text.
#include "core/api/config_io.h"
#include "core/api/notices.h"
#include "core/api/versions.h"
#include "session/training_session.h"
#include "tests/test_support.h"
#include "widgets/advanced_form.h"
#include "widgets/config_tree_view.h"
#include "widgets/issue_list.h"
#include "widgets/main_window.h"
#include "widgets/run_controls.h"
#include "widgets/schema_range.h"
#include "widgets/session_form.h"
#include "widgets/start_page.h"

#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QToolBar>
#include <QTranslator>
#include <QtTest>

#include <thread>

using namespace ddil;

class TestMainWindow : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        ddil::test::isolateSettings();
        qputenv("DDIL_CONFIG_DIR", (ddil::test::sourceDir() + "/configs").toLocal8Bit());
    }

    void shellHasMenusDocksAndStatusBar()
    {
        TrainingSession training;
        MainWindow w(training);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QStringList menus;
        for (QAction* a : w.menuBar()->actions())
            menus << a->text().remove('&');
        QCOMPARE(menus, (QStringList { "File", "Run", "View", "Help" }));
        for (const char* dock : { "sessionDock", "configDock", "mixtureDock", "samplesDock",
                 "problemsDock", "logDock" })
            QVERIFY2(w.findChild<QDockWidget*>(dock), dock);
        QVERIFY(w.findChild<QToolBar*>("runToolBar"));
        // Before a config is opened the form holds the built-in defaults.
        QCOMPARE(w.config()->name, std::string("untitled"));
    }

    // The core's notices (a deprecated checkpoint name, a file without its CRC) reach the log,
    // from any thread; the window gives the handler back when it closes.
    void coreNoticesGoToTheLog()
    {
        {
            TrainingSession training;
            MainWindow w(training);
            std::thread([] { ddil::notify("notice from a worker thread"); }).join();
            auto* log = w.findChild<QDockWidget*>("logDock")->findChild<QPlainTextEdit*>();
            QVERIFY(log);
            QTRY_VERIFY(log->toPlainText().contains("notice from a worker thread"));
        }
        QStringList after;
        const auto previous = ddil::setNoticeHandler(
            [&](const std::string& line) { after << QString::fromStdString(line); });
        ddil::notify("notice after the window");
        ddil::setNoticeHandler(previous);
        QCOMPARE(after, QStringList { "notice after the window" });
    }

    void widgetRangesAreTheSchemas()
    {
        TrainingSession training;
        MainWindow w(training);
        // Every spin box that edits a config field takes its range from the schema.
        QCOMPARE(schemaRangeMismatches(&w), QStringList());
        int bound = 0, unbound = 0;
        for (const auto* box : w.findChildren<QAbstractSpinBox*>())
            if (!w.advancedForm()->isAncestorOf(box)) // the generated form: see below
                (box->property("configPath").toString().isEmpty() ? unbound : bound) += 1;
        QCOMPARE(bound, 19); // the form's 10, the mixture's 8, the run controls' threads
        QCOMPARE(unbound, 1); // the form's seed: a 64-bit value without a range
        // A widget that disagrees with the schema is reported by its path.
        auto* pTeach = w.findChild<QDoubleSpinBox*>("pTeach");
        QVERIFY(pTeach);
        pTeach->setMaximum(2.0);
        const QStringList mismatches = schemaRangeMismatches(&w);
        QCOMPARE(mismatches.size(), 1);
        QVERIFY2(
            mismatches.front().startsWith("distill.ddil.p_teach: widget [0, 2], schema [0, 1]"),
            qPrintable(mismatches.front()));
    }

    void formShowsOnlyWhatTheTaskAndDataUse()
    {
        TrainingSession training;
        MainWindow w(training);
        w.show();
        auto shown = [&](const char* path) {
            QWidget* field = w.form()->fieldFor(QString::fromLatin1(path));
            return field && field->isVisibleTo(w.form());
        };
        QVERIFY(
            w.openConfig(ddil::test::sourceDir() + "/configs/fashion-mnist/distill/lcm-ddil.json"));
        QVERIFY(!shown("data.distribution"));
        QVERIFY(shown("data.path"));
        QVERIFY(shown("distill.teacher"));
        QVERIFY(shown("eval.feature_extractor"));
        QVERIFY(shown("eval.shift_diagnostics"));
        QVERIFY(w.openConfig(
            ddil::test::sourceDir() + "/configs/toy/distill/checkerboard-lcm-ddil.json"));
        QVERIFY(shown("data.distribution"));
        QVERIFY(!shown("data.path"));
        QVERIFY(!shown("eval.feature_extractor"));
        QVERIFY(w.openConfig(ddil::test::sourceDir() + "/configs/fashion-mnist/teacher.json"));
        QVERIFY(!shown("distill.teacher"));
        QVERIFY(!shown("distill.student_steps"));
        QVERIFY(!shown("eval.teacher_intervention"));
        QVERIFY(shown("train.lr"));
    }

    void presetMenuListsShippedConfigs()
    {
        TrainingSession training;
        MainWindow w(training);
        QMenu* file = w.menuBar()->actions().first()->menu();
        QMenu* presets = nullptr;
        for (QAction* a : file->actions())
            if (a->menu() && a->text().contains("Preset"))
                presets = a->menu();
        QVERIFY(presets);
        QStringList names;
        for (QAction* a : presets->actions())
            names << a->text();
        QVERIFY2(names.contains("toy/checkerboard-teacher.json"), qPrintable(names.join(", ")));
        // Triggering one loads it.
        for (QAction* a : presets->actions())
            if (a->text() == "toy/two-moons-teacher.json")
                a->trigger();
        QVERIFY(w.config().has_value());
        QCOMPARE(w.config()->name, std::string("two-moons-teacher"));
    }

    // With no session loaded the start page shows every preset of configs/presets.json by
    // name; a click on a card loads its session with Start enabled and starts nothing.
    void startPageCardsLoadAStartableSession()
    {
        TrainingSession training;
        MainWindow w(training);
        w.show();
        QVERIFY(w.startPageShown());
        QFile index(ddil::test::sourceDir() + "/configs/presets.json");
        QVERIFY(index.open(QIODevice::ReadOnly));
        QStringList expected;
        for (const auto& group : QJsonDocument::fromJson(index.readAll())["groups"].toArray())
            for (const auto& preset : group.toObject()["presets"].toArray())
                expected << QFileInfo(preset.toObject()["config"].toString()).completeBaseName();
        QStringList shown;
        StartCard* dmd2 = nullptr;
        for (StartCard* card : w.startPage()->presetCards()) {
            shown << card->title();
            QVERIFY2(card->isEnabled(), qPrintable(card->title()));
            if (card->title() == "checkerboard-dmd2-ddil")
                dmd2 = card;
        }
        QCOMPARE(shown, expected);
        QVERIFY(expected.size() >= 10 && dmd2);
        QVERIFY(!w.runControls()->startAction()->isEnabled());
        dmd2->click();
        QVERIFY(!w.startPageShown());
        QVERIFY(w.configPath().endsWith("configs/toy/distill/checkerboard-dmd2-ddil.json"));
        QCOMPARE(w.config()->name, std::string("checkerboard-dmd2-ddil"));
        QVERIFY(w.runControls()->startAction()->isEnabled());
        QVERIFY(!training.isActive());
        QVERIFY(training.state() == SessionState::Idle);
        // File → Start Page shows the page again while idle.
        w.showStartPage();
        QVERIFY(w.startPageShown());
        // The index files are not configs: the preset menu leaves them out.
        QMenu* file = w.menuBar()->actions().first()->menu();
        for (QAction* a : file->actions())
            if (a->menu() && a->text().contains("Preset"))
                for (QAction* p : a->menu()->actions())
                    QVERIFY2(!p->text().startsWith("preset"), qPrintable(p->text()));
    }

    // A card carries the time scripts/run-presets.sh measured; a recent run folder its status
    // and final metric, and opens with a click. A preset folder without an index lists its
    // configs and says why.
    void startPageShowsMeasuredTimesAndRecentRuns()
    {
        QTemporaryDir tmp;
        const QString presets = tmp.filePath("configs");
        QDir().mkpath(presets + "/toy");
        QVERIFY(QFile::copy(ddil::test::sourceDir() + "/configs/toy/checkerboard-teacher.json",
            presets + "/toy/checkerboard-teacher.json"));
        auto write = [](const QString& path, const QByteArray& text) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(text);
        };
        write(presets + "/presets.json",
            R"({"groups": [{"title": "Toy", "presets": [{"config": "toy/checkerboard-teacher.json",
                "what": "A teacher"}]}]})");
        write(presets + "/preset-times.json",
            R"({"measured": {"toy/checkerboard-teacher.json": {"seconds": 65.4,
                "machine": "test machine", "date": "2026-12-05"}}})");
        const QString run = tmp.filePath("runs/teacher-run");
        QDir().mkpath(run);
        QVERIFY(QFile::copy(presets + "/toy/checkerboard-teacher.json", run + "/config.json"));
        write(run + "/state.json", R"({"status": "finished", "step": 3000})");
        write(run + "/metrics.jsonl",
            "{\"step\": 3000, \"eval/sliced_wasserstein\": 0.0213, \"eval/mmd\": 0.08}\n");
        QSettings().setValue("recentRuns", QStringList { run, tmp.filePath("gone") });
        const QByteArray saved = qgetenv("DDIL_CONFIG_DIR");
        qputenv("DDIL_CONFIG_DIR", presets.toLocal8Bit());
        TrainingSession training;
        MainWindow w(training);
        qputenv("DDIL_CONFIG_DIR", saved);
        QCOMPARE(w.startPage()->presetCards().size(), 1);
        const QString description = w.startPage()->presetCards().front()->description();
        QVERIFY2(description == "A teacher\nTook 1 min 05 s (test machine, 2026-12-05)",
            qPrintable(description));
        QCOMPARE(w.startPage()->runCards().size(), 1); // the folder that is gone is left out
        StartCard* card = w.startPage()->runCards().front();
        QCOMPARE(card->title(), QString("teacher-run"));
        QVERIFY2(card->description().startsWith("finished · sliced_wasserstein 0.0213"),
            qPrintable(card->description()));
        card->click();
        QVERIFY(!w.startPageShown());
        QCOMPARE(w.configPath(), run + "/config.json");

        // No index: every config is a card, and the page says why.
        QFile::remove(presets + "/presets.json");
        w.startPage()->load(presets, {});
        QCOMPARE(w.startPage()->presetCards().size(), 1);
        QVERIFY(w.startPage()->findChild<QLabel*>() != nullptr);
        bool said = false;
        for (QLabel* label : w.startPage()->findChildren<QLabel*>())
            said |= label->text().startsWith("No preset index");
        QVERIFY(said);
        QSettings().remove("recentRuns");
    }

    // Every leaf of a distillation config's schema has an editor in the Advanced form, or is
    // listed as hidden with its reason; editors take the schema's help and range; an edit there
    // reaches the session's config (here knobs no hand-written widget has).
    void advancedFormCoversTheSchema()
    {
        TrainingSession training;
        MainWindow w(training);
        QVERIFY(w.openConfig(
            ddil::test::sourceDir() + "/configs/fashion-mnist/distill/dmd2-ddil.json"));
        AdvancedForm* form = w.advancedForm();
        QStringList missing;
        for (const auto& field : configFields(*w.config())) {
            const QString path = QString::fromStdString(field.path);
            if (!form->fieldFor(path) && !AdvancedForm::hiddenFields().contains(path))
                missing << path;
        }
        QVERIFY2(missing.isEmpty(), qPrintable(missing.join(", ")));
        for (const auto& reason : AdvancedForm::hiddenFields())
            QVERIFY(!reason.isEmpty());
        for (const auto& f : configSchema()) {
            QWidget* editor = form->fieldFor(QString::fromStdString(f.path));
            if (!editor)
                continue;
            QVERIFY2(editor->toolTip().contains(QString::fromStdString(f.help)),
                qPrintable(editor->toolTip()));
        }
        QCOMPARE(schemaRangeMismatches(form), QStringList());

        auto* rollouts = qobject_cast<QComboBox*>(form->fieldFor("distill.ddil.student_rollouts"));
        auto* critic = qobject_cast<QComboBox*>(form->fieldFor("distill.dmd2.critic_sources"));
        auto* decay = qobject_cast<QSpinBox*>(form->fieldFor("distill.ddil.p_teach_decay_steps"));
        QVERIFY(rollouts && critic && decay);
        QCOMPARE(rollouts->currentText(), QString("buffered"));
        rollouts->setCurrentText("fresh");
        critic->setCurrentText("student");
        decay->setValue(150);
        QVERIFY(w.config().has_value());
        QVERIFY(w.config()->distill.ddil.student_rollouts == StudentRollouts::Fresh);
        QVERIFY(w.config()->distill.dmd2.critic_sources == CriticSources::Student);
        QCOMPARE(w.config()->distill.ddil.p_teach_decay_steps, 150);
        // A live key's edit reaches the Mixture panel, whose value the session starts with.
        auto* pTeach = qobject_cast<QDoubleSpinBox*>(form->fieldFor("distill.ddil.p_teach"));
        pTeach->setValue(0.25);
        QCOMPARE(w.config()->distill.ddil.p_teach, 0.25);
        // A list element out of range is refused at its field; the config keeps its value.
        auto* beta = qobject_cast<QLineEdit*>(form->fieldFor("distill.ddil.beta"));
        beta->setText("0.5, 2, 0.25");
        Q_EMIT beta->editingFinished();
        QVERIFY(!beta->property("fieldError").toString().isEmpty());
        QCOMPARE(w.config()->distill.ddil.beta, (std::vector<double> { 0.5, 0.25, 0.25 }));
        // Loading another config shows its values.
        QVERIFY(w.openConfig(ddil::test::sourceDir() + "/configs/fashion-mnist/distill/dmd2.json"));
        QCOMPARE(rollouts->currentText(), QString("fresh"));
        QCOMPARE(decay->value(), 0);
    }

    void loadsAValidConfig()
    {
        TrainingSession training;
        MainWindow w(training);
        QVERIFY(w.openConfig(ddil::test::sourceDir() + "/configs/toy/checkerboard-teacher.json"));
        QVERIFY(w.config().has_value());
        QCOMPARE(w.config()->train.steps, 3000);
        QVERIFY(w.windowTitle().startsWith("checkerboard-teacher"));
        auto* tree = w.findChild<ConfigTreeView*>("configView");
        QVERIFY(tree);
        QCOMPARE(tree->topLevelItemCount(), 12);
        // Canonical order, as in the JSON format: schema_version, name, task, seed, runtime, ...
        QCOMPARE(tree->topLevelItem(0)->text(0), QString("schema_version"));
        QCOMPARE(tree->topLevelItem(1)->text(1), QString("checkerboard-teacher"));
        QCOMPARE(tree->topLevelItem(10)->text(0), QString("eval"));
        QCOMPARE(tree->topLevelItem(11)->text(0), QString("distill"));
        QCOMPARE(tree->itemAt("sample.guidance.convention")->text(1), QString("uncond_plus_w"));
        QTreeWidgetItem* lr = tree->itemAt("train.lr");
        QVERIFY(lr);
        QCOMPARE(lr->text(1), QString("0.002"));
        QCOMPARE(w.findChild<IssueList*>()->count(), 0);
    }

    void brokenConfigListsProblemsAndKeepsThePreviousConfig()
    {
        TrainingSession training;
        MainWindow w(training);
        QVERIFY(w.openConfig(ddil::test::sourceDir() + "/configs/toy/checkerboard-teacher.json"));
        const QString broken = m_dir.filePath("broken.json");
        QFile f(broken);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(
            R"({"schema_version":1,"name":"broken","train":{"lr":-2},"sample":{"guidance":{"convention":"x"}},"typo":1})");
        f.close();
        QVERIFY(!w.openConfig(broken));
        auto* issues = w.findChild<IssueList*>();
        QCOMPARE(issues->count(), 3);
        QStringList texts;
        for (int i = 0; i < issues->count(); ++i)
            texts << issues->item(i)->text();
        QVERIFY(texts.contains("error: train.lr: must be in [0, 10], got -2"));
        QVERIFY(texts.filter("sample.guidance.convention").size() == 1);
        QVERIFY(texts.contains("warning: typo: unknown key (ignored)"));
        // The session config is still the valid one.
        QCOMPARE(w.config()->name, std::string("checkerboard-teacher"));
        QVERIFY2(w.statusBar()->currentMessage().contains("has errors (2)"),
            qPrintable(w.statusBar()->currentMessage()));
        // The problem is marked in the tree, with the message as tooltip.
        auto* tree = w.findChild<ConfigTreeView*>("configView");
        QVERIFY(tree->itemAt("train.lr")->toolTip(0).contains("must be in"));
    }

    void missingFileIsReportedNotFatal()
    {
        TrainingSession training;
        MainWindow w(training);
        QVERIFY(!w.openConfig("/no/such/file.json"));
        QCOMPARE(w.findChild<IssueList*>()->count(), 1);
        QVERIFY(w.findChild<IssueList*>()->item(0)->text().contains("file not found"));
    }

    // The Traditional Chinese translation, as the workbench installs it for a zh_TW locale.
    void traditionalChineseTranslatesTheWindow()
    {
        QTranslator translator;
        QVERIFY(translator.load(QStringLiteral(DDIL_ZH_TW_QM)));
        QCoreApplication::installTranslator(&translator);
        {
            TrainingSession training;
            MainWindow w(training);
            QStringList menus;
            for (QAction* a : w.menuBar()->actions())
                menus << a->text();
            QCOMPARE(menus, (QStringList { "檔案(&F)", "執行(&R)", "檢視(&V)", "說明(&H)" }));
            QCOMPARE(w.findChild<QDockWidget*>("mixtureDock")->windowTitle(), QString("混合"));
        }
        QCoreApplication::removeTranslator(&translator);
    }

    void aboutNamesQtAndLibTorchVersions()
    {
        const QString text = MainWindow::aboutText();
        QVERIFY(text.contains(QString::fromLatin1(qVersion())));
        QVERIFY(text.contains("LibTorch " + QString::fromStdString(libraryVersions().libtorch)));
        // The LibTorch the build found (CMake's Torch_VERSION), not a version written into the
        // test.
        QVERIFY2(text.contains("LibTorch " DDIL_TORCH_VERSION), qPrintable(text));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
