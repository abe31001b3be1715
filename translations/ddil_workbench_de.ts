<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>ddil::ConfigTreeView</name>
    <message>
        <source>Setting</source>
        <translation>Einstellung</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
</context>
<context>
    <name>ddil::MainWindow</name>
    <message>
        <source>DDIL Workbench</source>
        <translation>DDIL Workbench</translation>
    </message>
    <message>
        <source>No config loaded</source>
        <translation>Keine Konfiguration geladen</translation>
    </message>
    <message>
        <source>Open a config or a preset to begin</source>
        <translation>Öffnen Sie eine Konfiguration oder eine Vorlage, um zu beginnen</translation>
    </message>
    <message>
        <source>Problems</source>
        <translation>Probleme</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Open Config…</source>
        <translation>Konfiguration ö&amp;ffnen…</translation>
    </message>
    <message>
        <source>New from &amp;Preset</source>
        <translation>Neu aus &amp;Vorlage</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>&amp;Zuletzt geöffnet</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;About DDIL Workbench</source>
        <translation>Ü&amp;ber DDIL Workbench</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>Über &amp;Qt</translation>
    </message>
    <message>
        <source>Open Config</source>
        <translation>Konfiguration öffnen</translation>
    </message>
    <message>
        <source>Configs (*.json)</source>
        <translation>Konfigurationen (*.json)</translation>
    </message>
    <message>
        <source>%1 — DDIL Workbench</source>
        <translation>%1 — DDIL Workbench</translation>
    </message>
    <message>
        <source>%1 · %2 · hash %3</source>
        <translation>%1 · %2 · Hash %3</translation>
    </message>
    <message>
        <source>Loaded config %1</source>
        <translation>Konfiguration %1 geladen</translation>
    </message>
    <message>
        <source>&lt;h3&gt;DDIL Workbench %1&lt;/h3&gt;&lt;p&gt;Diffusion distillation with imitation learning: train few-step students, compare them with their teacher and measure covariate shift.&lt;/p&gt;&lt;p&gt;Build %2&lt;br&gt;Qt %3 (built with %4)&lt;br&gt;LibTorch %5 (%6)&lt;br&gt;OpenCV %7&lt;/p&gt;</source>
        <translation>&lt;h3&gt;DDIL Workbench %1&lt;/h3&gt;&lt;p&gt;Diffusionsdestillation mit Imitationslernen: Schüler mit wenigen Schritten trainieren, mit ihrem Lehrer vergleichen und die Kovariatenverschiebung messen.&lt;/p&gt;&lt;p&gt;Build %2&lt;br&gt;Qt %3 (gebaut mit %4)&lt;br&gt;LibTorch %5 (%6)&lt;br&gt;OpenCV %7&lt;/p&gt;</translation>
    </message>
    <message>
        <source>CUDA</source>
        <translation>CUDA</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>About DDIL Workbench</source>
        <translation>Über DDIL Workbench</translation>
    </message>
    <message>
        <source>%1 has errors (%2); it cannot start a run</source>
        <translation>%1 enthält Fehler (%2); damit kann kein Lauf starten</translation>
    </message>
    <message>
        <source>Loaded %1</source>
        <translation>%1 geladen</translation>
    </message>
    <message>
        <source>Loaded %1 (warnings: %2)</source>
        <translation>%1 geladen (Warnungen: %2)</translation>
    </message>
</context>
</TS>
