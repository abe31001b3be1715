<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_TW">
<context>
    <name>QObject</name>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 小時 %2 分</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 分 %2 秒</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>T-shirt/top</source>
        <translation>T 恤/上衣</translation>
    </message>
    <message>
        <source>Trouser</source>
        <translation>長褲</translation>
    </message>
    <message>
        <source>Pullover</source>
        <translation>套頭衫</translation>
    </message>
    <message>
        <source>Dress</source>
        <translation>洋裝</translation>
    </message>
    <message>
        <source>Coat</source>
        <translation>外套</translation>
    </message>
    <message>
        <source>Sandal</source>
        <translation>涼鞋</translation>
    </message>
    <message>
        <source>Shirt</source>
        <translation>襯衫</translation>
    </message>
    <message>
        <source>Sneaker</source>
        <translation>運動鞋</translation>
    </message>
    <message>
        <source>Bag</source>
        <translation>包包</translation>
    </message>
    <message>
        <source>Ankle boot</source>
        <translation>短靴</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>Browse</source>
        <translation>瀏覽</translation>
    </message>
    <message>
        <source>Choose a Folder</source>
        <translation>選擇資料夾</translation>
    </message>
    <message>
        <source>Choose a File</source>
        <translation>選擇檔案</translation>
    </message>
    <message>
        <source>%1 cannot be read</source>
        <translation>無法讀取 %1</translation>
    </message>
    <message>
        <source>%1 is not a JSON object (%2)</source>
        <translation>%1 不是 JSON 物件（%2）</translation>
    </message>
    <message>
        <source>no state</source>
        <translation>無狀態</translation>
    </message>
</context>
<context>
    <name>Report</name>
    <message>
        <source>cannot create %1</source>
        <translation>無法建立 %1</translation>
    </message>
    <message>
        <source>Exported by DDIL Workbench on %1.</source>
        <translation>由 DDIL Workbench 於 %1 匯出。</translation>
    </message>
    <message>
        <source>`config.json` repeats the session headless: `ddil run config.json`.</source>
        <translation>`config.json` 可在無介面模式重現此工作階段：`ddil run config.json`。</translation>
    </message>
    <message>
        <source>Latest evaluation</source>
        <translation>最新評估</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>樣本</translation>
    </message>
    <message>
        <source>Charts</source>
        <translation>圖表</translation>
    </message>
    <message>
        <source>cannot write %1: %2</source>
        <translation>無法寫入 %1：%2</translation>
    </message>
</context>
<context>
    <name>Session</name>
    <message>
        <source>Idle</source>
        <translation>閒置</translation>
    </message>
    <message>
        <source>Starting</source>
        <translation>啟動中</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>執行中</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>已暫停</translation>
    </message>
    <message>
        <source>Stopping</source>
        <translation>停止中</translation>
    </message>
    <message>
        <source>Finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失敗</translation>
    </message>
</context>
<context>
    <name>ddil::AdvancedForm</name>
    <message>
        <source>Every field of the config, from the schema the loader checks with. ● live: the Mixture panel changes it while a session trains.</source>
        <translation>設定檔的每個欄位，取自載入器檢查所用的結構描述。● 即時：訓練期間由「混合」面板變更。</translation>
    </message>
    <message>
        <source>run</source>
        <translation>執行</translation>
    </message>
    <message>
        <source>comma-separated numbers</source>
        <translation>以逗號分隔的數字</translation>
    </message>
    <message>
        <source>Range [%1, %2].</source>
        <translation>範圍 [%1, %2]。</translation>
    </message>
    <message>
        <source>live: the Mixture panel changes it while a session trains</source>
        <translation>即時：訓練期間由「混合」面板變更</translation>
    </message>
</context>
<context>
    <name>ddil::ChartPanel</name>
    <message>
        <source>Loss</source>
        <translation>損失</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>損失</translation>
    </message>
    <message>
        <source>Loss terms</source>
        <translation>損失項</translation>
    </message>
    <message>
        <source>Gradient norm</source>
        <translation>梯度範數</translation>
    </message>
    <message>
        <source>before clipping</source>
        <translation>裁剪前</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>學習率</translation>
    </message>
    <message>
        <source>FID (evaluator features)</source>
        <translation>FID（評估器特徵）</translation>
    </message>
    <message>
        <source>FID</source>
        <translation>FID</translation>
    </message>
    <message>
        <source>Precision, recall, density, coverage</source>
        <translation>精確率、召回率、密度、覆蓋率</translation>
    </message>
    <message>
        <source>Diversity and class consistency</source>
        <translation>多樣性與類別一致性</translation>
    </message>
    <message>
        <source>Distances to data and teacher (2-D)</source>
        <translation>與資料及教師的距離（二維）</translation>
    </message>
    <message>
        <source>distance</source>
        <translation>距離</translation>
    </message>
    <message>
        <source>loss(S) - loss(F)</source>
        <translation>loss(S) - loss(F)</translation>
    </message>
    <message>
        <source>Realised source shares</source>
        <translation>實際來源比例</translation>
    </message>
    <message>
        <source>share of the batch</source>
        <translation>批次占比</translation>
    </message>
    <message>
        <source>Set priors and p_teach</source>
        <translation>設定的先驗與 p_teach</translation>
    </message>
    <message>
        <source>Buffer staleness</source>
        <translation>緩衝區陳舊度</translation>
    </message>
    <message>
        <source>steps</source>
        <translation>步</translation>
    </message>
    <message>
        <source>Losses</source>
        <translation>損失</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>品質</translation>
    </message>
    <message>
        <source>Covariate shift</source>
        <translation>共變量偏移</translation>
    </message>
    <message>
        <source>Mixture</source>
        <translation>混合</translation>
    </message>
    <message>
        <source>Smoothing of loss curves: TensorBoard&apos;s debiased exponential moving average (0: raw)</source>
        <translation>損失曲線平滑：TensorBoard 的去偏指數移動平均（0：原始值）</translation>
    </message>
    <message>
        <source>Log scale</source>
        <translation>對數刻度</translation>
    </message>
    <message>
        <source>Logarithmic y axis on every chart</source>
        <translation>所有圖表的 y 軸使用對數刻度</translation>
    </message>
    <message>
        <source>Smoothing</source>
        <translation>平滑</translation>
    </message>
    <message>
        <source>%1 holds no metrics yet</source>
        <translation>%1 尚無任何指標</translation>
    </message>
    <message>
        <source>cannot create %1</source>
        <translation>無法建立 %1</translation>
    </message>
    <message>
        <source>cannot write %1.png</source>
        <translation>無法寫入 %1.png</translation>
    </message>
    <message>
        <source>cannot write %1.pdf</source>
        <translation>無法寫入 %1.pdf</translation>
    </message>
    <message>
        <source>cannot write %1: %2</source>
        <translation>無法寫入 %1：%2</translation>
    </message>
    <message>
        <source>D(S_k, F_k): student vs data</source>
        <translation>D(S_k, F_k)：學生對資料</translation>
    </message>
    <message>
        <source>D(S_k, T_k): student vs teacher</source>
        <translation>D(S_k, T_k)：學生對教師</translation>
    </message>
    <message>
        <source>Loss gap per student step</source>
        <translation>各學生步數的損失差距</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>匯出…</translation>
    </message>
    <message>
        <source>Write every chart as PNG and PDF and each run&apos;s metrics as CSV into a folder</source>
        <translation>將所有圖表寫成 PNG 與 PDF，並將各次執行的指標寫成 CSV，存入資料夾</translation>
    </message>
    <message>
        <source>Export Charts</source>
        <translation>匯出圖表</translation>
    </message>
    <message>
        <source>Teacher intervention (FID / SW)</source>
        <translation>教師介入（FID / SW）</translation>
    </message>
    <message>
        <source>%1 cannot be read</source>
        <translation>無法讀取 %1</translation>
    </message>
</context>
<context>
    <name>ddil::CompareView</name>
    <message>
        <source>Compare Runs</source>
        <translation>比較執行</translation>
    </message>
    <message>
        <source>Open Folder…</source>
        <translation>開啟資料夾…</translation>
    </message>
    <message>
        <source>Scalar:</source>
        <translation>純量：</translation>
    </message>
    <message>
        <source>The logged scalar drawn for every group</source>
        <translation>為每個群組繪出的記錄純量</translation>
    </message>
    <message>
        <source>Band:</source>
        <translation>區間帶：</translation>
    </message>
    <message>
        <source>± sd over seeds</source>
        <translation>± 各種子的標準差</translation>
    </message>
    <message>
        <source>95% interval of the mean</source>
        <translation>平均值的 95% 區間</translation>
    </message>
    <message>
        <source>Baseline:</source>
        <translation>基準：</translation>
    </message>
    <message>
        <source>The group every other group is compared with in the table</source>
        <translation>表格中其他群組所比較的群組</translation>
    </message>
    <message>
        <source>Export Chart…</source>
        <translation>匯出圖表…</translation>
    </message>
    <message>
        <source>Export Table…</source>
        <translation>匯出表格…</translation>
    </message>
    <message>
        <source>Runs that differ only in their seed form a group; tick to draw it</source>
        <translation>僅種子不同的執行構成一個群組；勾選即繪出</translation>
    </message>
    <message>
        <source>training step</source>
        <translation>訓練步數</translation>
    </message>
    <message>
        <source>Not read again: %1</source>
        <translation>未重新讀取：%1</translation>
    </message>
    <message numerus="yes">
        <source>%1
%n run(s), seeds %2; %3 finished</source>
        <translation>
            <numerusform>%1
%n 次執行，種子 %2；%3 次已完成</numerusform>
        </translation>
    </message>
    <message>
        <source>each method&apos;s first group</source>
        <translation>各方法的第一個群組</translation>
    </message>
    <message numerus="yes">
        <source>%n run(s) in %1 group(s) under %2; read in %3 ms</source>
        <translation>
            <numerusform>%2 下 %1 個群組共 %n 次執行；讀取耗時 %3 毫秒</numerusform>
        </translation>
    </message>
    <message>
        <source>Final metrics</source>
        <translation>最終指標</translation>
    </message>
    <message>
        <source>%1: the chart could not be written</source>
        <translation>%1：無法寫入圖表</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>Open a sweep or reproduction folder</source>
        <translation>開啟掃描或重現資料夾</translation>
    </message>
    <message>
        <source>Export chart</source>
        <translation>匯出圖表</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>PNG 影像 (*.png)</translation>
    </message>
    <message>
        <source>Export table</source>
        <translation>匯出表格</translation>
    </message>
    <message>
        <source>Markdown (*.md);;CSV (*.csv)</source>
        <translation>Markdown (*.md);;CSV (*.csv)</translation>
    </message>
</context>
<context>
    <name>ddil::ConfigTreeView</name>
    <message>
        <source>Setting</source>
        <translation>設定</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
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
        <translation>未載入設定</translation>
    </message>
    <message>
        <source>Open a config or a preset to begin</source>
        <translation>開啟設定檔或預設集以開始</translation>
    </message>
    <message>
        <source>Mixture change sent: β = (%1, %2, %3), p_teach %4, buffer %5, refresh every %6 × %7, reflection %8</source>
        <translation>已送出混合變更：β = (%1, %2, %3)，p_teach %4，緩衝區 %5，每 %6 步更新 × %7，反射 %8</translation>
    </message>
    <message>
        <source>Evaluation at step %1: %2</source>
        <translation>第 %1 步評估：%2</translation>
    </message>
    <message>
        <source>Training failed: %1</source>
        <translation>訓練失敗：%1</translation>
    </message>
    <message>
        <source>Training Failed</source>
        <translation>訓練失敗</translation>
    </message>
    <message>
        <source>Checkpoint of step %1 saved as %2</source>
        <translation>第 %1 步的檢查點已存為 %2</translation>
    </message>
    <message>
        <source>Save Checkpoint</source>
        <translation>儲存檢查點</translation>
    </message>
    <message>
        <source>Cannot write %1</source>
        <translation>無法寫入 %1</translation>
    </message>
    <message>
        <source>Session</source>
        <translation>工作階段</translation>
    </message>
    <message>
        <source>Config</source>
        <translation>設定</translation>
    </message>
    <message>
        <source>Mixture</source>
        <translation>混合</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>樣本</translation>
    </message>
    <message>
        <source>Problems</source>
        <translation>問題</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>記錄</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>檔案(&amp;F)</translation>
    </message>
    <message>
        <source>New Session from &amp;Preset</source>
        <translation>從預設集新增工作階段(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Open Config…</source>
        <translation>開啟設定檔(&amp;O)…</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近開啟(&amp;R)</translation>
    </message>
    <message>
        <source>Open Run &amp;Folder…</source>
        <translation>開啟執行資料夾(&amp;F)…</translation>
    </message>
    <message>
        <source>Show a run folder&apos;s charts and continue it from its checkpoint</source>
        <translation>顯示執行資料夾的圖表，並從其檢查點繼續</translation>
    </message>
    <message>
        <source>Open &amp;Checkpoint…</source>
        <translation>開啟檢查點(&amp;C)…</translation>
    </message>
    <message>
        <source>Open Checkpoint</source>
        <translation>開啟檢查點</translation>
    </message>
    <message>
        <source>Checkpoints (*.safetensors *.pt)</source>
        <translation>檢查點 (*.safetensors *.pt)</translation>
    </message>
    <message>
        <source>%1 is not in a run folder: set as the teacher checkpoint</source>
        <translation>%1 不在執行資料夾中：已設為教師檢查點</translation>
    </message>
    <message>
        <source>&amp;Export Config…</source>
        <translation>匯出設定檔(&amp;E)…</translation>
    </message>
    <message>
        <source>Write the config `ddil run` takes to repeat this session headless</source>
        <translation>寫出 `ddil run` 可用的設定檔，在無介面模式重現此工作階段</translation>
    </message>
    <message>
        <source>Export &amp;Report…</source>
        <translation>匯出報告(&amp;R)…</translation>
    </message>
    <message>
        <source>Pre&amp;ferences…</source>
        <translation>偏好設定(&amp;F)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>結束(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>執行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>檢視(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Overlay Run Folder…</source>
        <translation>疊加執行資料夾(&amp;O)…</translation>
    </message>
    <message>
        <source>Draw another run&apos;s curves beside the session&apos;s (e.g. baseline against DDIL)</source>
        <translation>在本工作階段旁繪出另一次執行的曲線（例如基準對 DDIL）</translation>
    </message>
    <message>
        <source>&amp;Clear Overlays</source>
        <translation>清除疊加(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>語言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>說明(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About DDIL Workbench</source>
        <translation>關於 DDIL Workbench(&amp;A)</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>關於 &amp;Qt</translation>
    </message>
    <message>
        <source>System Language</source>
        <translation>系統語言</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>語言</translation>
    </message>
    <message>
        <source>The language changes when the workbench starts again.</source>
        <translation>語言將在重新啟動 Workbench 後變更。</translation>
    </message>
    <message>
        <source>Open Config</source>
        <translation>開啟設定檔</translation>
    </message>
    <message>
        <source>Configs (*.json)</source>
        <translation>設定檔 (*.json)</translation>
    </message>
    <message>
        <source>Stop the running session first.</source>
        <translation>請先停止執行中的工作階段。</translation>
    </message>
    <message>
        <source>%1 has errors (%2); it cannot start a run</source>
        <translation>%1 有錯誤（%2 個），無法開始執行</translation>
    </message>
    <message>
        <source>Cannot resolve the teacher yet: %1</source>
        <translation>尚無法解析教師模型：%1</translation>
    </message>
    <message>
        <source>Loaded %1</source>
        <translation>已載入 %1</translation>
    </message>
    <message>
        <source>Loaded %1 (warnings: %2)</source>
        <translation>已載入 %1（警告：%2 個）</translation>
    </message>
    <message>
        <source>Loaded config %1</source>
        <translation>已載入設定檔 %1</translation>
    </message>
    <message>
        <source>class %1</source>
        <translation>類別 %1</translation>
    </message>
    <message>
        <source>session form</source>
        <translation>工作階段表單</translation>
    </message>
    <message>
        <source>%1 — DDIL Workbench</source>
        <translation>%1 — DDIL Workbench</translation>
    </message>
    <message>
        <source>%1 · %2 · hash %3</source>
        <translation>%1 · %2 · 雜湊 %3</translation>
    </message>
    <message>
        <source>Start Session</source>
        <translation>開始工作階段</translation>
    </message>
    <message>
        <source>The session&apos;s config has errors; see the Problems panel.</source>
        <translation>工作階段的設定有錯誤，請參閱「問題」面板。</translation>
    </message>
    <message>
        <source>Resuming %1</source>
        <translation>繼續 %1</translation>
    </message>
    <message>
        <source>Started a session in %1</source>
        <translation>已在 %1 開始工作階段</translation>
    </message>
    <message>
        <source>the config has errors</source>
        <translation>設定有錯誤</translation>
    </message>
    <message>
        <source>cannot write %1: %2</source>
        <translation>無法寫入 %1：%2</translation>
    </message>
    <message>
        <source>cannot create %1</source>
        <translation>無法建立 %1</translation>
    </message>
    <message>
        <source>Overlaid %1</source>
        <translation>已疊加 %1</translation>
    </message>
    <message>
        <source>Overlay Run Folder</source>
        <translation>疊加執行資料夾</translation>
    </message>
    <message>
        <source>Open Run Folder</source>
        <translation>開啟執行資料夾</translation>
    </message>
    <message>
        <source>%1 is not a run folder (no readable config.json)</source>
        <translation>%1 不是執行資料夾（沒有可讀取的 config.json）</translation>
    </message>
    <message>
        <source>%1 has errors; see the Problems panel</source>
        <translation>%1 有錯誤，請參閱「問題」面板</translation>
    </message>
    <message>
        <source>Opened run %1 (%2): Start continues it from its checkpoint</source>
        <translation>已開啟執行 %1（%2）：按「開始」會從其檢查點繼續</translation>
    </message>
    <message>
        <source>Opened run %1 (%2)</source>
        <translation>已開啟執行 %1（%2）</translation>
    </message>
    <message>
        <source>no state</source>
        <translation>無狀態</translation>
    </message>
    <message>
        <source>Save Checkpoint As</source>
        <translation>另存檢查點</translation>
    </message>
    <message>
        <source>A checkpoint is written at the next step</source>
        <translation>將在下一步寫入檢查點</translation>
    </message>
    <message>
        <source>Cannot copy %1 to %2</source>
        <translation>無法將 %1 複製到 %2</translation>
    </message>
    <message>
        <source>Export Config</source>
        <translation>匯出設定檔</translation>
    </message>
    <message>
        <source>Exported the config to %1; run it with: ddil run %1</source>
        <translation>已將設定匯出至 %1；執行方式：ddil run %1</translation>
    </message>
    <message>
        <source>Export Report</source>
        <translation>匯出報告</translation>
    </message>
    <message>
        <source>Report written to %1</source>
        <translation>報告已寫入 %1</translation>
    </message>
    <message>
        <source>&lt;h3&gt;DDIL Workbench %1&lt;/h3&gt;&lt;p&gt;Diffusion distillation with imitation learning: train few-step students, compare them with their teacher and measure covariate shift.&lt;/p&gt;&lt;p&gt;Build %2&lt;br&gt;Qt %3 (built with %4)&lt;br&gt;LibTorch %5 (%6)&lt;br&gt;OpenCV %7&lt;/p&gt;</source>
        <translation>&lt;h3&gt;DDIL Workbench %1&lt;/h3&gt;&lt;p&gt;以模仿學習進行擴散模型蒸餾：訓練少步數學生模型，與其教師比較，並量測共變量偏移。&lt;/p&gt;&lt;p&gt;建置 %2&lt;br&gt;Qt %3（以 %4 建置）&lt;br&gt;LibTorch %5（%6）&lt;br&gt;OpenCV %7&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&lt;p&gt;CPU convolution: %1&lt;/p&gt;</source>
        <translation>&lt;p&gt;CPU 卷積：%1&lt;/p&gt;</translation>
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
        <translation>關於 DDIL Workbench</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>結束</translation>
    </message>
    <message>
        <source>A session is training. Stop it (writing a checkpoint) and quit?</source>
        <translation>有工作階段正在訓練。要停止它（寫入檢查點）並結束嗎？</translation>
    </message>
    <message>
        <source>%1 is %2: no longer following it</source>
        <translation>%1 已是 %2：停止追蹤</translation>
    </message>
    <message>
        <source>Opened run %1: it is training; its charts follow it</source>
        <translation>已開啟執行 %1：它正在訓練中，圖表會持續更新</translation>
    </message>
    <message>
        <source>No sample grids for %1: %2</source>
        <translation>%1 沒有樣本網格：%2</translation>
    </message>
    <message>
        <source>&lt;p&gt;Free software under the GNU General Public License, version 3 or (at your option) any later version; it comes with no warranty.&lt;/p&gt;</source>
        <translation>&lt;p&gt;自由軟體，依 GNU 通用公共授權條款第 3 版或（依您的選擇）任何更新版本發布；不提供任何擔保。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Com&amp;pare Runs…</source>
        <translation>比較執行(&amp;P)…</translation>
    </message>
    <message>
        <source>Open a sweep or reproduction folder: its runs grouped by seed, mean curves with a band, final metrics against a baseline</source>
        <translation>開啟掃描或重現資料夾：依種子分組的執行、附區間帶的平均曲線，以及相對於基準的最終指標</translation>
    </message>
    <message>
        <source>Compare Runs</source>
        <translation>比較執行</translation>
    </message>
    <message>
        <source>&amp;Start Page</source>
        <translation>開始頁面(&amp;S)</translation>
    </message>
    <message>
        <source>The presets as cards and the recent runs</source>
        <translation>以卡片呈現的預設集與最近的執行</translation>
    </message>
    <message>
        <source>Advanced</source>
        <translation>進階</translation>
    </message>
</context>
<context>
    <name>ddil::MetricChart</name>
    <message>
        <source>training step</source>
        <translation>訓練步數</translation>
    </message>
    <message>
        <source>Drag to pan, wheel to zoom, double-click to fit; hover for values</source>
        <translation>拖曳以平移，滾輪縮放，雙擊以符合範圍；游標停留可顯示數值</translation>
    </message>
    <message>
        <source>%1: step %2, %3</source>
        <translation>%1：第 %2 步，%3</translation>
    </message>
</context>
<context>
    <name>ddil::MixturePanel</name>
    <message>
        <source>β data</source>
        <translation>β 資料</translation>
    </message>
    <message>
        <source>β teacher</source>
        <translation>β 教師</translation>
    </message>
    <message>
        <source>β student</source>
        <translation>β 學生</translation>
    </message>
    <message>
        <source>Prior of real data, forward-diffused to the base method&apos;s times: the base method&apos;s own training distribution</source>
        <translation>真實資料的先驗，正向擴散到基礎方法的時間點：即基礎方法本身的訓練分布</translation>
    </message>
    <message>
        <source>Prior of states on the teacher&apos;s M-step sampler trajectory, at the student&apos;s times</source>
        <translation>教師 M 步取樣軌跡上、位於學生時間點的狀態之先驗</translation>
    </message>
    <message>
        <source>Prior of states from the student&apos;s own rollout: DDIL&apos;s on-policy source against covariate shift</source>
        <translation>來自學生自身推演的狀態之先驗：DDIL 對抗共變量偏移的同策略來源</translation>
    </message>
    <message>
        <source>Source priors (sum to 1)</source>
        <translation>來源先驗（總和為 1）</translation>
    </message>
    <message>
        <source>Share of this source in the latest training batch</source>
        <translation>此來源在最新訓練批次中的占比</translation>
    </message>
    <message>
        <source>realised</source>
        <translation>實際</translation>
    </message>
    <message>
        <source>Rollouts, buffers and reflection</source>
        <translation>推演、緩衝區與反射</translation>
    </message>
    <message>
        <source>DAgger&apos;s mixed policy: in student rollouts the teacher takes each step with this probability</source>
        <translation>DAgger 的混合策略：在學生推演中，教師以此機率接手每一步</translation>
    </message>
    <message>
        <source>p_teach</source>
        <translation>p_teach</translation>
    </message>
    <message>
        <source>auto (32 × batch)</source>
        <translation>自動（32 × 批次）</translation>
    </message>
    <message>
        <source>States kept per source buffer (teacher and student rollouts); a new capacity refills the buffers</source>
        <translation>每個來源緩衝區（教師與學生推演）保留的狀態數；變更容量會重新填滿緩衝區</translation>
    </message>
    <message>
        <source>Buffer capacity</source>
        <translation>緩衝區容量</translation>
    </message>
    <message>
        <source>Training steps between buffer refreshes: lower keeps student states fresher and costs more rollouts</source>
        <translation>緩衝區更新之間的訓練步數：較小的值讓學生狀態更新鮮，但需要更多推演</translation>
    </message>
    <message>
        <source>Refresh every</source>
        <translation>更新間隔</translation>
    </message>
    <message>
        <source>Share of each buffer replaced at a refresh</source>
        <translation>每次更新時替換的緩衝區比例</translation>
    </message>
    <message>
        <source>Refresh fraction</source>
        <translation>更新比例</translation>
    </message>
    <message>
        <source>off</source>
        <translation>關閉</translation>
    </message>
    <message>
        <source>static clamp to [-1, 1]</source>
        <translation>靜態截斷至 [-1, 1]</translation>
    </message>
    <message>
        <source>dynamic (percentile)</source>
        <translation>動態（百分位數）</translation>
    </message>
    <message>
        <source>Reflected DDIL: project x0 estimates into the data range (DDIL.md §3), which keeps rollouts inside the data&apos;s support</source>
        <translation>反射式 DDIL：將 x0 估計投影到資料範圍內（DDIL.md §3），使推演保持在資料的支撐集內</translation>
    </message>
    <message>
        <source>Reflected mode</source>
        <translation>反射模式</translation>
    </message>
    <message>
        <source>Dynamic projection: the quantile of |x0| per sample that sets the clamp</source>
        <translation>動態投影：以每個樣本 |x0| 的分位數決定截斷值</translation>
    </message>
    <message>
        <source>Percentile</source>
        <translation>百分位數</translation>
    </message>
</context>
<context>
    <name>ddil::PreferencesDialog</name>
    <message>
        <source>Preferences</source>
        <translation>偏好設定</translation>
    </message>
    <message>
        <source>Each session gets a run folder &lt;name&gt;-&lt;date&gt;-&lt;time&gt; here</source>
        <translation>每個工作階段會在此建立執行資料夾 &lt;名稱&gt;-&lt;日期&gt;-&lt;時間&gt;</translation>
    </message>
    <message>
        <source>Run folders</source>
        <translation>執行資料夾</translation>
    </message>
    <message>
        <source>none</source>
        <translation>無</translation>
    </message>
    <message>
        <source>Sample snapshots taken over a session (the step slider&apos;s stops)</source>
        <translation>一個工作階段中擷取的樣本快照數（步數滑桿的停靠點）</translation>
    </message>
    <message>
        <source>Snapshots per session</source>
        <translation>每個工作階段的快照數</translation>
    </message>
</context>
<context>
    <name>ddil::RunControls</name>
    <message>
        <source>Run</source>
        <translation>執行</translation>
    </message>
    <message>
        <source>&amp;Start</source>
        <translation>開始(&amp;S)</translation>
    </message>
    <message>
        <source>Start training the session (F5)</source>
        <translation>開始訓練此工作階段（F5）</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>暫停(&amp;P)</translation>
    </message>
    <message>
        <source>Hold the run between two steps; press again to resume (F6)</source>
        <translation>在兩步之間暫停執行；再按一次繼續（F6）</translation>
    </message>
    <message>
        <source>S&amp;top</source>
        <translation>停止(&amp;T)</translation>
    </message>
    <message>
        <source>Finish the current step, write a checkpoint and stop (Shift+F5)</source>
        <translation>完成目前這一步，寫入檢查點並停止（Shift+F5）</translation>
    </message>
    <message>
        <source>Save &amp;Checkpoint As…</source>
        <translation>另存檢查點(&amp;C)…</translation>
    </message>
    <message>
        <source>Write a checkpoint now and save a copy of it</source>
        <translation>立即寫入檢查點並另存一份</translation>
    </message>
    <message>
        <source>auto</source>
        <translation>自動</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>CUDA</source>
        <translation>CUDA</translation>
    </message>
    <message>
        <source>This build of LibTorch has no CUDA</source>
        <translation>此 LibTorch 版本不支援 CUDA</translation>
    </message>
    <message>
        <source>Where training runs: CUDA when this LibTorch build has it</source>
        <translation>訓練執行的裝置：若此 LibTorch 版本支援則使用 CUDA</translation>
    </message>
    <message>
        <source>all cores</source>
        <translation>所有核心</translation>
    </message>
    <message>
        <source>CPU threads of training (0: one per core, %1 here)</source>
        <translation>訓練使用的 CPU 執行緒數（0：每核心一個，本機為 %1）</translation>
    </message>
    <message>
        <source> Device </source>
        <translation> 裝置 </translation>
    </message>
    <message>
        <source> Threads </source>
        <translation> 執行緒 </translation>
    </message>
    <message>
        <source>step %v of %m</source>
        <translation>第 %v 步，共 %m 步</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>繼續(&amp;R)</translation>
    </message>
    <message>
        <source>measuring…</source>
        <translation>量測中…</translation>
    </message>
    <message>
        <source>%1 steps/s · ETA %2</source>
        <translation>每秒 %1 步 · 預計剩餘 %2</translation>
    </message>
</context>
<context>
    <name>ddil::SamplePanel</name>
    <message>
        <source>Training step of the snapshot shown; moves every view together</source>
        <translation>所顯示快照的訓練步數；所有檢視一起移動</translation>
    </message>
    <message>
        <source>no snapshots yet</source>
        <translation>尚無快照</translation>
    </message>
    <message>
        <source>Show the samples of one class only (the same classes in every view)</source>
        <translation>只顯示單一類別的樣本（每個檢視的類別相同）</translation>
    </message>
    <message>
        <source>Full size</source>
        <translation>原始大小</translation>
    </message>
    <message>
        <source>Open the current view at full size</source>
        <translation>以原始大小開啟目前的檢視</translation>
    </message>
    <message>
        <source>Export PNG…</source>
        <translation>匯出 PNG…</translation>
    </message>
    <message>
        <source>Save the current view as PNG, with the config hash, seed and step in its metadata</source>
        <translation>將目前的檢視存為 PNG，並在中繼資料中記錄設定雜湊、種子與步數</translation>
    </message>
    <message>
        <source>Export Samples</source>
        <translation>匯出樣本</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 影像 (*.png)</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>步數</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>類別</translation>
    </message>
    <message>
        <source>Samples of the teacher and the student appear here while a distillation session runs (from the same noise and classes).</source>
        <translation>蒸餾工作階段執行時，教師與學生的樣本會顯示在此（來自相同的雜訊與類別）。</translation>
    </message>
    <message>
        <source>Rows: the student at 1, 2, 4 and 8 steps and the teacher, from the same noise and classes (columns)</source>
        <translation>各列：1、2、4、8 步的學生與教師，來自相同的雜訊與類別（各欄）</translation>
    </message>
    <message>
        <source>The states entering each student step k: the student&apos;s own rollout S_k, the teacher&apos;s trajectory T_k and forward-diffused data F_k</source>
        <translation>進入學生第 k 步的狀態：學生自身推演 S_k、教師軌跡 T_k 與正向擴散的資料 F_k</translation>
    </message>
    <message>
        <source>All classes</source>
        <translation>所有類別</translation>
    </message>
    <message>
        <source>step %1 (%2 of %3)</source>
        <translation>第 %1 步（%2 / %3）</translation>
    </message>
    <message>
        <source>Teacher, %1 steps</source>
        <translation>教師，%1 步</translation>
    </message>
    <message>
        <source>Student, %1 steps (training step %2)</source>
        <translation>學生，%1 步（訓練第 %2 步）</translation>
    </message>
    <message>
        <source>T%1</source>
        <translation>T%1</translation>
    </message>
    <message>
        <source>S%1</source>
        <translation>S%1</translation>
    </message>
    <message>
        <source>Step counts, top to bottom: %1</source>
        <translation>取樣步數，由上而下：%1</translation>
    </message>
    <message>
        <source>teacher, %1 steps</source>
        <translation>教師，%1 步</translation>
    </message>
    <message>
        <source>student, %1 steps</source>
        <translation>學生，%1 步</translation>
    </message>
    <message>
        <source>Teacher against student, step %1</source>
        <translation>教師對學生，第 %1 步</translation>
    </message>
    <message>
        <source>F_k data</source>
        <translation>F_k 資料</translation>
    </message>
    <message>
        <source>T_k teacher</source>
        <translation>T_k 教師</translation>
    </message>
    <message>
        <source>S_k student</source>
        <translation>S_k 學生</translation>
    </message>
    <message>
        <source>k = %1 (τ = %2)</source>
        <translation>k = %1（τ = %2）</translation>
    </message>
    <message>
        <source>no samples to export yet</source>
        <translation>尚無可匯出的樣本</translation>
    </message>
    <message>
        <source>cannot write %1: %2</source>
        <translation>無法寫入 %1：%2</translation>
    </message>
    <message>
        <source>Samples at step %1</source>
        <translation>第 %1 步的樣本</translation>
    </message>
    <message>
        <source>One sample, the teacher&apos;s left of the line and the student&apos;s right of it, from the same noise and class; click a tile of either grid to pick another</source>
        <translation>單一樣本：線左為教師、線右為學生，來自相同的雜訊與類別；點選任一網格的圖塊可換另一個樣本</translation>
    </message>
    <message>
        <source>Left: the student only; right: the teacher only</source>
        <translation>最左：僅學生；最右：僅教師</translation>
    </message>
    <message>
        <source>Sample %1%2: teacher | student, same noise</source>
        <translation>樣本 %1%2：教師 | 學生，相同雜訊</translation>
    </message>
    <message>
        <source>Student&apos;s samples</source>
        <translation>學生的樣本</translation>
    </message>
    <message>
        <source>Teacher&apos;s samples</source>
        <translation>教師的樣本</translation>
    </message>
    <message>
        <source>Whose samples are searched for in the training data</source>
        <translation>要在訓練資料中搜尋誰的樣本</translation>
    </message>
    <message>
        <source>Each sample (framed) and, right of it, its %1 nearest training images of its class, nearest first; a red frame: nearer its neighbour than 95% of held-out images are to theirs. Click a row for its distances.</source>
        <translation>每個樣本（加框）及其右側同類別中最近的 %1 張訓練影像，由近到遠；紅框：比 95% 的保留影像離其最近鄰更近。點選一列可看距離。</translation>
    </message>
    <message>
        <source>No nearest images: %1</source>
        <translation>無最近影像：%1</translation>
    </message>
    <message>
        <source>Step counts</source>
        <translation>步數</translation>
    </message>
    <message>
        <source>One sample</source>
        <translation>單一樣本</translation>
    </message>
    <message>
        <source>Nearest training images</source>
        <translation>最近的訓練影像</translation>
    </message>
    <message>
        <source>2-D data have no images to search</source>
        <translation>二維資料沒有可搜尋的影像</translation>
    </message>
    <message>
        <source>Searching the training images…</source>
        <translation>正在搜尋訓練影像…</translation>
    </message>
    <message>
        <source>%1 samples, each with its %2 nearest of %3 training images</source>
        <translation>%1 個樣本，各附 %3 張訓練影像中最近的 %2 張</translation>
    </message>
    <message>
        <source>Median distance to the nearest training image %1; no held-out images to compare with (%2).</source>
        <translation>到最近訓練影像的距離中位數 %1；沒有可比較的保留影像（%2）。</translation>
    </message>
    <message>
        <source>Median distance to the nearest training image %1; held-out images of the same classes: %2. %3 of %4 samples nearer than 95% of held-out images (red).</source>
        <translation>到最近訓練影像的距離中位數 %1；同類別保留影像：%2。%4 個樣本中有 %3 個比 95% 的保留影像更近（紅色）。</translation>
    </message>
    <message>
        <source>#%1 at %2</source>
        <translation>#%1，距離 %2</translation>
    </message>
    <message>
        <source>Sample %1%2: nearest training images %3.</source>
        <translation>樣本 %1%2：最近的訓練影像 %3。</translation>
    </message>
    <message>
        <source>%1% of held-out images of its class lie nearer their own.</source>
        <translation>其類別中有 %1% 的保留影像離各自的最近鄰更近。</translation>
    </message>
</context>
<context>
    <name>ddil::SessionForm</name>
    <message>
        <source>Session</source>
        <translation>工作階段</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名稱</translation>
    </message>
    <message>
        <source>The run&apos;s name: the run folder is &lt;name&gt;-&lt;date&gt;-&lt;time&gt;</source>
        <translation>執行名稱：執行資料夾為 &lt;名稱&gt;-&lt;日期&gt;-&lt;時間&gt;</translation>
    </message>
    <message>
        <source>Task</source>
        <translation>任務</translation>
    </message>
    <message>
        <source>distill: a few-step student of a teacher checkpoint; teacher: a diffusion model; evaluator: the feature extractor of the image metrics</source>
        <translation>distill：教師檢查點的少步數學生；teacher：擴散模型；evaluator：影像指標使用的特徵擷取器</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>種子</translation>
    </message>
    <message>
        <source>Every random draw of training follows from it: same seed, same run</source>
        <translation>訓練中所有隨機抽樣都由它決定：相同種子，相同結果</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>資料</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>資料集</translation>
    </message>
    <message>
        <source>Built-in 2-D toy distributions, Fashion-MNIST, any MNIST-format IDX files or an image folder</source>
        <translation>內建二維玩具分布、Fashion-MNIST、任何 MNIST 格式的 IDX 檔或影像資料夾</translation>
    </message>
    <message>
        <source>Distribution</source>
        <translation>分布</translation>
    </message>
    <message>
        <source>The 2-D toy distribution</source>
        <translation>二維玩具分布</translation>
    </message>
    <message>
        <source>default location</source>
        <translation>預設位置</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>路徑</translation>
    </message>
    <message>
        <source>The dataset folder (empty: Debian&apos;s dataset-fashion-mnist)</source>
        <translation>資料集資料夾（留空：Debian 的 dataset-fashion-mnist）</translation>
    </message>
    <message>
        <source>Distillation</source>
        <translation>蒸餾</translation>
    </message>
    <message>
        <source>Teacher checkpoint</source>
        <translation>教師檢查點</translation>
    </message>
    <message>
        <source>Checkpoints (*.safetensors *.pt)</source>
        <translation>檢查點 (*.safetensors *.pt)</translation>
    </message>
    <message>
        <source>The trained teacher (a run&apos;s checkpoint.safetensors or shipped weights); the student starts as a copy of it</source>
        <translation>已訓練的教師（某次執行的 checkpoint.safetensors 或隨附權重）；學生由其複本開始</translation>
    </message>
    <message>
        <source>Base method</source>
        <translation>基礎方法</translation>
    </message>
    <message>
        <source>progressive: halve the steps round by round; lcm: latent consistency distillation; dmd2: distribution matching. DDIL changes only which states they train on</source>
        <translation>progressive：逐輪將步數減半；lcm：潛在一致性蒸餾；dmd2：分布匹配。DDIL 只改變它們訓練所用的狀態</translation>
    </message>
    <message>
        <source>Student steps N</source>
        <translation>學生步數 N</translation>
    </message>
    <message>
        <source>The student&apos;s sampling steps</source>
        <translation>學生的取樣步數</translation>
    </message>
    <message>
        <source>Teacher steps M</source>
        <translation>教師步數 M</translation>
    </message>
    <message>
        <source>The teacher&apos;s DDIM sampler that teacher states come from (a multiple of N)</source>
        <translation>產生教師狀態的教師 DDIM 取樣器步數（N 的倍數）</translation>
    </message>
    <message>
        <source>Guidance scale</source>
        <translation>引導強度</translation>
    </message>
    <message>
        <source>Classifier-free guidance of the teacher (w = 1: plain conditional sampling)</source>
        <translation>教師的無分類器引導（w = 1：一般條件取樣）</translation>
    </message>
    <message>
        <source>Optimiser</source>
        <translation>最佳化器</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>學習率</translation>
    </message>
    <message>
        <source>Peak learning rate (warm-up, then cosine decay)</source>
        <translation>峰值學習率（先暖身，再餘弦衰減）</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批次大小</translation>
    </message>
    <message>
        <source>Training steps</source>
        <translation>訓練步數</translation>
    </message>
    <message>
        <source>Warm-up steps</source>
        <translation>暖身步數</translation>
    </message>
    <message>
        <source>EMA decay</source>
        <translation>EMA 衰減</translation>
    </message>
    <message>
        <source>The sampled student is the exponential moving average of the trained weights</source>
        <translation>用於取樣的學生是訓練權重的指數移動平均</translation>
    </message>
    <message>
        <source>Evaluation</source>
        <translation>評估</translation>
    </message>
    <message>
        <source>only at the end</source>
        <translation>僅在結束時</translation>
    </message>
    <message>
        <source>Every</source>
        <translation>間隔</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>樣本</translation>
    </message>
    <message>
        <source>Samples scored per evaluation</source>
        <translation>每次評估計分的樣本數</translation>
    </message>
    <message>
        <source>Feature extractor</source>
        <translation>特徵擷取器</translation>
    </message>
    <message>
        <source>The evaluator checkpoint (or TorchScript) whose features FID, precision/recall and coverage use</source>
        <translation>FID、精確率/召回率與覆蓋率所用特徵的評估器檢查點（或 TorchScript）</translation>
    </message>
    <message>
        <source>Covariate-shift diagnostics</source>
        <translation>共變量偏移診斷</translation>
    </message>
    <message>
        <source>With each evaluation, measure D(S_k, F_k), D(S_k, T_k) and the loss gap per student step</source>
        <translation>每次評估時，逐個學生步數量測 D(S_k, F_k)、D(S_k, T_k) 與損失差距</translation>
    </message>
    <message>
        <source>Teacher-intervention sweep</source>
        <translation>教師介入掃描</translation>
    </message>
    <message>
        <source>With each evaluation, let the teacher take the first j steps and score the samples</source>
        <translation>每次評估時，讓教師接手前 j 步並為樣本計分</translation>
    </message>
    <message>
        <source>Training steps between evaluations</source>
        <translation>評估之間的訓練步數</translation>
    </message>
</context>
<context>
    <name>ddil::SessionWorker</name>
    <message>
        <source>Out of memory: lower the batch size or the model size</source>
        <translation>記憶體不足：請降低批次大小或模型大小</translation>
    </message>
</context>
<context>
    <name>ddil::StartPage</name>
    <message>
        <source>Start a session</source>
        <translation>開始工作階段</translation>
    </message>
    <message>
        <source>A preset loads its session; press Start (F5) when you are ready. Every field can be changed first.</source>
        <translation>預設集會載入其工作階段；準備好後按「開始」(F5)。每個欄位都可先行修改。</translation>
    </message>
    <message>
        <source>No preset index (%1): every config in %2 is listed.</source>
        <translation>沒有預設集索引（%1）：列出 %2 中的所有設定檔。</translation>
    </message>
    <message>
        <source>presets.json has no groups</source>
        <translation>presets.json 沒有任何群組</translation>
    </message>
    <message>
        <source>Configs</source>
        <translation>設定檔</translation>
    </message>
    <message>
        <source>Took %1 (%2, %3)</source>
        <translation>耗時 %1（%2，%3）</translation>
    </message>
    <message>
        <source>Time not measured yet</source>
        <translation>尚未量測時間</translation>
    </message>
    <message>
        <source>Recent runs</source>
        <translation>最近的執行</translation>
    </message>
    <message>
        <source>None yet: the run folders you open or train appear here.</source>
        <translation>尚無：您開啟或訓練的執行資料夾會顯示在這裡。</translation>
    </message>
    <message>
        <source>Open Config…</source>
        <translation>開啟設定檔…</translation>
    </message>
    <message>
        <source>Open Run Folder…</source>
        <translation>開啟執行資料夾…</translation>
    </message>
</context>
<context>
    <name>ddil::TrainingSession</name>
    <message>
        <source>Stopped at step %1; checkpoint written</source>
        <translation>於第 %1 步停止；已寫入檢查點</translation>
    </message>
    <message>
        <source>Finished at step %1</source>
        <translation>於第 %1 步完成</translation>
    </message>
</context>
<context>
    <name>ddil::TrianglePicker</name>
    <message>
        <source>Click or drag to set all three priors at once: the closer to a corner, the larger that source&apos;s share. The ring shows the shares realised in the latest batch.</source>
        <translation>點按或拖曳即可一次設定三個先驗：越靠近某個角，該來源的占比越大。圓環顯示最新批次中的實際占比。</translation>
    </message>
    <message>
        <source>data</source>
        <translation>資料</translation>
    </message>
    <message>
        <source>teacher</source>
        <translation>教師</translation>
    </message>
    <message>
        <source>student</source>
        <translation>學生</translation>
    </message>
</context>
</TS>
