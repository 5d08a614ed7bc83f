<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>BundleActions</name>
    <message>
        <location filename="../window_bundles.py" line="41"/>
        <source>Open Model Bundle (a folder or a .zip)</source>
        <translation>打开模型包（文件夹或 .zip）</translation>
    </message>
    <message>
        <location filename="../window_bundles.py" line="43"/>
        <source>Model bundles (*.zip manifest.json)</source>
        <translation>模型包 (*.zip manifest.json)</translation>
    </message>
</context>
<context>
    <name>BundlePanel</name>
    <message>
        <location filename="../bundle_panel.py" line="36"/>
        <source>Macro F1</source>
        <translation>宏平均 F1</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="34"/>
        <source>New person, predicted (clips)</source>
        <translation>新人预测准确率（片段）</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="35"/>
        <source>Test accuracy (live labels)</source>
        <translation>测试准确率（实时标签）</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="37"/>
        <source>Test accuracy (clips)</source>
        <translation>测试准确率（片段）</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="46"/>
        <source>Held out for testing: %1 clips, %2 windows</source>
        <translation>留作测试：%1 个片段，%2 个窗口</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="103"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="104"/>
        <source>Bundles shipped with Kinesight and the ones you opened</source>
        <translation>Kinesight 自带的模型包以及你打开过的模型包</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="105"/>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="106"/>
        <source>Open a model bundle folder or .zip</source>
        <translation>打开模型包文件夹或 .zip 文件</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="108"/>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="135"/>
        <source>Labels (%1): %2</source>
        <translation>标签（%1）：%2</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="136"/>
        <source>Window: %1 features at %2 fps = %3 s</source>
        <translation>窗口：%1 个特征，%2 fps = %3 秒</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="138"/>
        <source>Backbone: %1, head: %2 (%3)</source>
        <translation>骨干网络：%1，分类头：%2（%3）</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="147"/>
        <source>Training figures (%1)…</source>
        <translation>训练图表（%1）…</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="152"/>
        <source>hand keypoints</source>
        <translation>手部关键点</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="155"/>
        <source>body keypoints</source>
        <translation>身体关键点</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="158"/>
        <source>the person</source>
        <translation>人物区域</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="158"/>
        <source>the whole frame</source>
        <translation>整个画面</translation>
    </message>
    <message>
        <location filename="../bundle_panel.py" line="159"/>
        <source>%1 + %2 on %3</source>
        <translation>%1 + %2（%3）</translation>
    </message>
</context>
<context>
    <name>ControlsPanel</name>
    <message>
        <location filename="../controls.py" line="156"/>
        <source>Recognition</source>
        <translation>识别</translation>
    </message>
    <message>
        <location filename="../controls.py" line="157"/>
        <source>model default</source>
        <translation>模型默认值</translation>
    </message>
    <message>
        <location filename="../controls.py" line="158"/>
        <source> features</source>
        <translation> 个特征</translation>
    </message>
    <message>
        <location filename="../controls.py" line="159"/>
        <source>How many recent features the model looks at (0 = the model&apos;s own window).</source>
        <translation>模型参考的最近特征数量（0 = 使用模型自身的窗口）。</translation>
    </message>
    <message>
        <location filename="../controls.py" line="160"/>
        <source>Higher values steady the label but react more slowly.</source>
        <translation>数值越高，标签越稳定，但反应越慢。</translation>
    </message>
    <message>
        <location filename="../controls.py" line="161"/>
        <source>Below this probability the app says &quot;uncertain&quot;.</source>
        <translation>概率低于此值时显示“不确定”。</translation>
    </message>
    <message>
        <location filename="../controls.py" line="162"/>
        <source>How many labels the panel lists.</source>
        <translation>面板中列出的标签数量。</translation>
    </message>
    <message>
        <location filename="../controls.py" line="163"/>
        <source>&amp;Window length</source>
        <translation>窗口长度(&amp;W)</translation>
    </message>
    <message>
        <location filename="../controls.py" line="163"/>
        <source>&amp;Smoothing</source>
        <translation>平滑(&amp;S)</translation>
    </message>
    <message>
        <location filename="../controls.py" line="164"/>
        <source>&amp;Threshold</source>
        <translation>阈值(&amp;T)</translation>
    </message>
    <message>
        <location filename="../controls.py" line="164"/>
        <source>Top-&amp;k</source>
        <translation>前 k 项(&amp;K)</translation>
    </message>
    <message>
        <location filename="../controls.py" line="164"/>
        <source>Say &amp;unknown</source>
        <translation>判为未知(&amp;U)</translation>
    </message>
    <message>
        <location filename="../controls.py" line="207"/>
        <source>This model was not calibrated to recognise what it was never taught (its bundle has no &quot;open_set&quot; threshold), so it cannot say &quot;unknown&quot;. Teach or train it again with this version of Kinesight to get one.</source>
        <translation>此模型没有针对未教过的内容做校准（其模型包中没有 open_set 阈值），因此无法显示“未知”。请用此版本的 Kinesight 重新教学或训练，以获得该阈值。</translation>
    </message>
    <message>
        <location filename="../controls.py" line="211"/>
        <source>How readily the app says &quot;unknown&quot; for something unlike what the model was taught: to the right it says unknown more often, to the left it names a taught action more often. The middle is the model&apos;s calibrated value (%1).</source>
        <translation>对于与模型所学内容不同的画面，应用有多容易显示“未知”：越往右越常显示未知，越往左越常给出已教过的动作。中间是模型校准的值（%1）。</translation>
    </message>
</context>
<context>
    <name>Corrector</name>
    <message>
        <location filename="../correct.py" line="85"/>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../correct.py" line="86"/>
        <source>&amp;This Was…</source>
        <translation>这一段是(&amp;T)…</translation>
    </message>
    <message>
        <location filename="../correct.py" line="87"/>
        <source>&amp;Undo Correction</source>
        <translation>撤销更正(&amp;U)</translation>
    </message>
    <message>
        <location filename="../correct.py" line="88"/>
        <source>Selection &amp;Starts Here</source>
        <translation>选区从这里开始(&amp;S)</translation>
    </message>
    <message>
        <location filename="../correct.py" line="89"/>
        <source>Selection &amp;Ends Here</source>
        <translation>选区到这里结束(&amp;E)</translation>
    </message>
    <message>
        <location filename="../correct.py" line="90"/>
        <source>&amp;Ask Where Unsure…</source>
        <translation>询问不确定之处(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../correct.py" line="122"/>
        <source>This was %1</source>
        <translation>这一段是 %1</translation>
    </message>
    <message>
        <location filename="../correct.py" line="125"/>
        <source>None of These</source>
        <translation>以上都不是</translation>
    </message>
    <message>
        <location filename="../correct.py" line="150"/>
        <source>Corrections need a file: open the video the stretch comes from.</source>
        <translation>更正需要一个文件：请打开这一段所在的视频。</translation>
    </message>
    <message>
        <location filename="../correct.py" line="152"/>
        <source>Select a stretch first: drag over the timeline with the right mouse button.</source>
        <translation>请先选一段：用鼠标右键在时间轴上拖动。</translation>
    </message>
    <message>
        <location filename="../correct.py" line="154"/>
        <source>This model does not keep the clips it was taught from, so it cannot be corrected; teach it again (Model ▸ Teach New Actions).</source>
        <translation>这个模型没有保存教它时用的片段，所以无法更正；请重新教授（模型 ▸ 教授新动作）。</translation>
    </message>
    <message>
        <location filename="../correct.py" line="175"/>
        <source>Re-teaching with %1 s as &apos;%2&apos;…</source>
        <translation>正在重新教授：把 %1 秒作为“%2”…</translation>
    </message>
    <message>
        <location filename="../correct.py" line="176"/>
        <source>none of these</source>
        <translation>以上都不是</translation>
    </message>
    <message>
        <location filename="../correct.py" line="191"/>
        <source>Undoing the last correction…</source>
        <translation>正在撤销上一次更正…</translation>
    </message>
    <message>
        <location filename="../correct.py" line="212"/>
        <source>Back to the model before the last correction.</source>
        <translation>已回到上一次更正之前的模型。</translation>
    </message>
    <message>
        <location filename="../correct.py" line="214"/>
        <source>Re-taught from %1 clips in %2 s; the timeline is analysed again. Ctrl+Z undoes it.</source>
        <translation>已用 %1 个片段在 %2 秒内重新教授；时间轴正在重新分析。Ctrl+Z 可撤销。</translation>
    </message>
    <message>
        <location filename="../correct.py" line="237"/>
        <source>The re-taught model says something else over %1 s of this file (marked in amber on the timeline).</source>
        <translation>重新教授后的模型在这个文件的 %1 秒内给出了不同的结果（在时间轴上用琥珀色标出）。</translation>
    </message>
</context>
<context>
    <name>DemoHint</name>
    <message>
        <location filename="../demo_hint.py" line="64"/>
        <source>This model knows twelve everyday actions of one person in view: wave one arm, wave both arms, raise both arms sideways or forward, clap, jumping jack, squat, bow, punch, kick, stand still and walk on the spot. Anything else reads &quot;unknown&quot;.</source>
        <translation>此模型认识画面中一个人的十二种日常动作：单臂挥手、双臂挥动、双臂侧平举或前平举、拍手、开合跳、深蹲、鞠躬、出拳、踢腿、站立不动和原地踏步。其他动作都显示为“未知”。</translation>
    </message>
    <message>
        <location filename="../demo_hint.py" line="67"/>
        <source>Add your own actions…</source>
        <translation>添加你自己的动作…</translation>
    </message>
    <message>
        <location filename="../demo_hint.py" line="69"/>
        <source>Record or pick a few clips of each new action; they are taught on top of the twelve</source>
        <translation>为每个新动作录制或选择几段片段；它们会在这十二种动作之上教给模型</translation>
    </message>
    <message>
        <location filename="../demo_hint.py" line="71"/>
        <source>This demo model only knows stick-figure motions; on real video it says &quot;unknown&quot;.</source>
        <translation>此演示模型只认识火柴人动作；对真实视频它会显示“未知”。</translation>
    </message>
    <message>
        <location filename="../demo_hint.py" line="73"/>
        <source>Teach your own actions…</source>
        <translation>教它你自己的动作…</translation>
    </message>
    <message>
        <location filename="../demo_hint.py" line="75"/>
        <source>Record or pick a few clips of each action and teach a model of your own</source>
        <translation>为每个动作录制或选择几段片段，教出你自己的模型</translation>
    </message>
    <message>
        <location filename="../demo_hint.py" line="76"/>
        <source>Open a model…</source>
        <translation>打开模型…</translation>
    </message>
    <message>
        <location filename="../demo_hint.py" line="77"/>
        <source>Open a model bundle folder or .zip made for what you film</source>
        <translation>打开适合你所拍内容的模型包文件夹或 .zip</translation>
    </message>
</context>
<context>
    <name>ExportMenu</name>
    <message>
        <location filename="../export_dialog.py" line="65"/>
        <source>Writing the annotated video… %1%</source>
        <translation>正在写入标注视频… %1%</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="70"/>
        <source>&amp;Export</source>
        <translation>导出(&amp;E)</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="71"/>
        <source>Predictions as &amp;CSV…</source>
        <translation>预测结果导出为 &amp;CSV…</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="72"/>
        <source>Timeline as &amp;JSON…</source>
        <translation>时间线导出为 &amp;JSON…</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="73"/>
        <source>Events as &amp;SRT Subtitles…</source>
        <translation>事件导出为 &amp;SRT 字幕…</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="74"/>
        <source>Events as &amp;WebVTT Subtitles…</source>
        <translation>事件导出为 &amp;WebVTT 字幕…</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="75"/>
        <source>Annotated &amp;Video (MP4)…</source>
        <translation>标注&amp;视频 (MP4)…</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="76"/>
        <source>Save Predictions &amp;Beside the Recording</source>
        <translation>将预测结果保存在录像旁(&amp;B)</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="119"/>
        <source>Could not write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <location filename="../export_dialog.py" line="121"/>
        <source>Wrote %1</source>
        <translation>已写入 %1</translation>
    </message>
</context>
<context>
    <name>FiguresDialog</name>
    <message>
        <location filename="../bundle_panel.py" line="56"/>
        <source>Training figures</source>
        <translation>训练图表</translation>
    </message>
</context>
<context>
    <name>KeepActionsRow</name>
    <message>
        <location filename="../teach_widgets.py" line="85"/>
        <source>Keep the actions of %1 and add these to them</source>
        <translation>保留 %1 的动作，并把这些动作加到其中</translation>
    </message>
    <message>
        <location filename="../teach_widgets.py" line="88"/>
        <source>The new model knows the actions of %1 and the ones you teach here; one action of your own is enough. Untick to teach a model that knows only your actions.</source>
        <translation>新模型既认识 %1 的动作，也认识你在这里教的动作；你自己的动作有一个就够了。取消勾选则教出只认识你的动作的模型。</translation>
    </message>
</context>
<context>
    <name>KindPicker</name>
    <message>
        <location filename="../teach_widgets.py" line="24"/>
        <source>Actions (whole frame)</source>
        <translation>动作（整个画面）</translation>
    </message>
    <message>
        <location filename="../teach_widgets.py" line="25"/>
        <source>Body movements (keypoints)</source>
        <translation>身体动作（关键点）</translation>
    </message>
    <message>
        <location filename="../teach_widgets.py" line="26"/>
        <source>Hand gestures</source>
        <translation>手势</translation>
    </message>
    <message>
        <location filename="../teach_widgets.py" line="30"/>
        <source>Words (lips)</source>
        <translation>词语（唇部）</translation>
    </message>
    <message>
        <location filename="../teach_widgets.py" line="34"/>
        <source>Body movements (keypoints): the model reads the person&apos;s body keypoints, not the picture, so what it learns carries over to other people and rooms better; use it for movements of the whole body or the arms, with the person in view. Hand gestures: the model reads up to two hands&apos; keypoints (open palm, thumbs up, a swipe), with the hands in view. Words (lips): the model reads the mouth, as lip mode does, so you can teach silent commands for your own face. Record each word or phrase several times, face to the camera.</source>
        <translation>身体动作（关键点）：模型读取人的身体关键点而不是画面，因此学到的内容更能推广到其他人和其他房间；适用于全身或手臂的动作，人要在画面中。手势：模型读取最多两只手的关键点（张开手掌、竖起大拇指、挥动），手要在画面中。词语（唇部）：模型像唇语模式一样读取嘴部，因此你可以为自己的脸教无声命令。每个词或短语请面对摄像头录制几次。</translation>
    </message>
</context>
<context>
    <name>LipPointsToggle</name>
    <message>
        <location filename="../mouth_view.py" line="56"/>
        <source>Show l&amp;ip points (face mesh)</source>
        <translation>显示嘴唇关键点（人脸网格）(&amp;I)</translation>
    </message>
    <message>
        <location filename="../mouth_view.py" line="57"/>
        <source>Find the lips with a face mesh and outline them in the mouth panel; the lip reader&apos;s crop stays as it is</source>
        <translation>用人脸网格找到嘴唇，并在嘴部面板中描出轮廓；唇读模型的裁剪保持不变</translation>
    </message>
</context>
<context>
    <name>MainMenus</name>
    <message>
        <location filename="../menus.py" line="77"/>
        <source>&amp;Playback</source>
        <translation>播放(&amp;P)</translation>
    </message>
    <message>
        <location filename="../menus.py" line="78"/>
        <source>Play / &amp;Pause</source>
        <translation>播放 / 暂停(&amp;P)</translation>
    </message>
    <message>
        <location filename="../menus.py" line="79"/>
        <source>Back 5 s</source>
        <translation>后退 5 秒</translation>
    </message>
    <message>
        <location filename="../menus.py" line="80"/>
        <source>Forward 5 s</source>
        <translation>前进 5 秒</translation>
    </message>
    <message>
        <location filename="../menus.py" line="81"/>
        <source>Back to the &amp;start</source>
        <translation>回到开头(&amp;S)</translation>
    </message>
    <message>
        <location filename="../menus.py" line="82"/>
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <location filename="../menus.py" line="83"/>
        <source>&amp;Open Bundle…</source>
        <translation>打开模型包(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../menus.py" line="84"/>
        <source>&amp;Teach New Actions…</source>
        <translation>教授新动作(&amp;T)…</translation>
    </message>
    <message>
        <location filename="../menus.py" line="85"/>
        <source>&amp;Rules…</source>
        <translation>规则(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../menus.py" line="86"/>
        <source>Run a command, send an HTTP POST or write an event line when a label holds</source>
        <translation>当某个标签持续出现时，运行命令、发送 HTTP POST 或写出一行事件</translation>
    </message>
    <message>
        <location filename="../menus.py" line="87"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../menus.py" line="88"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location filename="../menus.py" line="89"/>
        <source>System default</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../menus.py" line="92"/>
        <source>&amp;Full Screen</source>
        <translation>全屏(&amp;F)</translation>
    </message>
    <message>
        <location filename="../menus.py" line="93"/>
        <source>Show the &amp;Skeleton and Hands</source>
        <translation>显示骨架和手(&amp;S)</translation>
    </message>
    <message>
        <location filename="../menus.py" line="94"/>
        <source>Draw the body and hand keypoints that bundles reading the body or the hands find</source>
        <translation>绘制读取身体或手部的模型包找到的身体和手部关键点</translation>
    </message>
    <message>
        <location filename="../menus.py" line="95"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../menus.py" line="96"/>
        <source>&amp;About Kinesight</source>
        <translation>关于 Kinesight(&amp;A)</translation>
    </message>
    <message>
        <location filename="../menus.py" line="97"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../main_window.py" line="202"/>
        <source>Opening…</source>
        <translation>正在打开…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="204"/>
        <source>Loading model %1…</source>
        <translation>正在加载模型 %1…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="220"/>
        <source>The timeline could not be filled for this file; playback goes on.</source>
        <translation>无法为此文件生成时间线；播放继续进行。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="235"/>
        <source>Rule %1 fired: %2</source>
        <translation>规则 %1 已触发：%2</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="237"/>
        <source>Rules: %1</source>
        <translation>规则：%1</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="306"/>
        <source>Model %1 loaded.</source>
        <translation>已加载模型 %1。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="313"/>
        <source>Playing %1</source>
        <translation>正在播放 %1</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="353"/>
        <source>End of %1. Press Space to play it again.</source>
        <translation>%1 已播放完毕。按空格键重新播放。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="462"/>
        <source>About Kinesight</source>
        <translation>关于 Kinesight</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="463"/>
        <source>Kinesight recognises actions in video in real time.
Models run with ONNX Runtime; see the Model panel for the bundle in use.</source>
        <translation>Kinesight 实时识别视频中的动作。
模型由 ONNX Runtime 运行；当前使用的模型包见“模型”面板。</translation>
    </message>
</context>
<context>
    <name>MouthView</name>
    <message>
        <location filename="../mouth_view.py" line="81"/>
        <source>The mouth region the lip reader looks at, with the box the face locator found</source>
        <translation>唇读模型所看的嘴部区域，以及人脸定位器找到的框</translation>
    </message>
    <message>
        <location filename="../mouth_view.py" line="145"/>
        <source>no face</source>
        <translation>无人脸</translation>
    </message>
    <message>
        <location filename="../mouth_view.py" line="145"/>
        <source>mouth crop</source>
        <translation>嘴部裁剪</translation>
    </message>
</context>
<context>
    <name>RecordingActions</name>
    <message>
        <location filename="../teach_recording.py" line="27"/>
        <source>index or URL</source>
        <translation>编号或网址</translation>
    </message>
    <message>
        <location filename="../teach_recording.py" line="28"/>
        <source>No camera found. Connect one, or add video files.</source>
        <translation>未找到摄像头。请连接摄像头，或添加视频文件。</translation>
    </message>
    <message>
        <location filename="../teach_recording.py" line="29"/>
        <source>No camera found — add video files instead, or type a camera index or stream URL above.</source>
        <translation>未找到摄像头——请改为添加视频文件，或在上方输入摄像头编号或视频流网址。</translation>
    </message>
    <message>
        <location filename="../teach_recording.py" line="54"/>
        <source>Record from camera</source>
        <translation>用摄像头录制</translation>
    </message>
    <message>
        <location filename="../teach_recording.py" line="55"/>
        <source>No camera found. Connect one, or add video files instead.</source>
        <translation>未找到摄像头。请连接摄像头，或改为添加视频文件。</translation>
    </message>
    <message>
        <location filename="../teach_recording.py" line="88"/>
        <source>Get ready… %1</source>
        <translation>准备… %1</translation>
    </message>
    <message>
        <location filename="../teach_recording.py" line="90"/>
        <source>● Recording — %1 s left</source>
        <translation>● 正在录制——剩余 %1 秒</translation>
    </message>
    <message>
        <location filename="../teach_recording.py" line="94"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
</context>
<context>
    <name>RulesDialog</name>
    <message>
        <location filename="../rules_dialog.py" line="57"/>
        <source>The saved rules could not be read: %1</source>
        <translation>无法读取已保存的规则：%1</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="131"/>
        <source>Rules for %1</source>
        <translation>%1 的规则</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="132"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="132"/>
        <source>When</source>
        <translation>条件</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="132"/>
        <source>Then</source>
        <translation>动作</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="133"/>
        <source>Last fired</source>
        <translation>上次触发</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="134"/>
        <source>&amp;Add rule</source>
        <translation>添加规则(&amp;A)</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="135"/>
        <source>&amp;Remove</source>
        <translation>删除(&amp;R)</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="136"/>
        <source>&amp;Name:</source>
        <translation>名称(&amp;N)：</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="136"/>
        <source>&amp;When this holds:</source>
        <translation>当此项持续(&amp;W)：</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="136"/>
        <source>For at &amp;least:</source>
        <translation>至少持续(&amp;L)：</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="137"/>
        <source>With con&amp;fidence of at least:</source>
        <translation>置信度至少为(&amp;F)：</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="137"/>
        <source>Then wait before firing a&amp;gain:</source>
        <translation>再次触发前等待(&amp;G)：</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="138"/>
        <source>&amp;Do:</source>
        <translation>执行(&amp;D)：</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="138"/>
        <source>&amp;Target:</source>
        <translation>目标(&amp;T)：</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="141"/>
        <source>Also send an &amp;end event when it stops holding</source>
        <translation>不再持续时也发送结束事件(&amp;E)</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="142"/>
        <source>Rule is &amp;on</source>
        <translation>启用此规则(&amp;O)</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="144"/>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="145"/>
        <source>An action label of this model, or a word for a lip reader</source>
        <translation>此模型的动作标签，或唇读模型的词</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="146"/>
        <source>Run a command</source>
        <translation>运行命令</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="146"/>
        <source>Send an HTTP POST</source>
        <translation>发送 HTTP POST</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="147"/>
        <source>Write a JSON line (event stream)</source>
        <translation>写出一行 JSON（事件流）</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="151"/>
        <source>Saved in %1; the same rules run without the app with: kinesight run --source SOURCE --rules FILE</source>
        <translation>保存在 %1；不开应用也可运行同样的规则：kinesight run --source SOURCE --rules FILE</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="153"/>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="154"/>
        <source>&amp;Close</source>
        <translation>关闭(&amp;C)</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="160"/>
        <source>a program and its arguments, e.g. notify-send Waving</source>
        <translation>程序及其参数，例如 notify-send Waving</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="161"/>
        <source>a URL, e.g. http://127.0.0.1:8000/events</source>
        <translation>网址，例如 http://127.0.0.1:8000/events</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="162"/>
        <source>stdout, tcp://127.0.0.1:8765 or a file path</source>
        <translation>stdout、tcp://127.0.0.1:8765 或文件路径</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="172"/>
        <source>%1 for %2 s at %3 or more</source>
        <translation>%1 持续 %2 秒，置信度 ≥ %3</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="175"/>
        <source>%1 (off)</source>
        <translation>%1（已停用）</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="268"/>
        <source>give it a name</source>
        <translation>请为它命名</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="269"/>
        <source>choose one of this model&apos;s labels or words</source>
        <translation>请选择此模型的一个标签或词</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="270"/>
        <source>the target does not suit the action</source>
        <translation>目标与动作不符</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="271"/>
        <source>choose what to do</source>
        <translation>请选择要执行的动作</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="282"/>
        <source>another rule has this name</source>
        <translation>已有同名规则</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="285"/>
        <source>check %1</source>
        <translation>请检查 %1</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="286"/>
        <source>Rule %1: %2</source>
        <translation>规则 %1：%2</translation>
    </message>
    <message>
        <location filename="../rules_dialog.py" line="304"/>
        <source>The rules could not be saved: %1</source>
        <translation>无法保存规则：%1</translation>
    </message>
</context>
<context>
    <name>SourceActions</name>
    <message>
        <location filename="../window_sources.py" line="21"/>
        <source>No model bundle is loaded.</source>
        <translation>尚未加载模型包。</translation>
    </message>
    <message>
        <location filename="../window_sources.py" line="48"/>
        <source>Open Video</source>
        <translation>打开视频</translation>
    </message>
    <message>
        <location filename="../window_sources.py" line="49"/>
        <source>Videos (%1);;All files (*)</source>
        <translation>视频 (%1);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../window_sources.py" line="55"/>
        <source>Open URL</source>
        <translation>打开网址</translation>
    </message>
    <message>
        <location filename="../window_sources.py" line="56"/>
        <source>Stream URL (rtsp://, http://, …):</source>
        <translation>视频流网址（rtsp://、http://…）：</translation>
    </message>
    <message>
        <location filename="../window_sources.py" line="67"/>
        <source>Stopped. Open a camera, a file or a URL to continue.</source>
        <translation>已停止。打开摄像头、文件或网址以继续。</translation>
    </message>
    <message>
        <location filename="../window_sources.py" line="129"/>
        <source>Camera %1</source>
        <translation>摄像头 %1</translation>
    </message>
    <message>
        <location filename="../window_sources.py" line="131"/>
        <source>The camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <location filename="../window_sources.py" line="131"/>
        <source>The video</source>
        <translation>视频</translation>
    </message>
    <message>
        <location filename="../window_sources.py" line="139"/>
        <source>camera %1</source>
        <translation>摄像头 %1</translation>
    </message>
</context>
<context>
    <name>SourceMenu</name>
    <message>
        <location filename="../source_menu.py" line="92"/>
        <source>&amp;Source</source>
        <translation>视频源(&amp;S)</translation>
    </message>
    <message>
        <location filename="../source_menu.py" line="93"/>
        <source>Open &amp;File…</source>
        <translation>打开文件(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../source_menu.py" line="94"/>
        <source>Open &amp;URL…</source>
        <translation>打开网址(&amp;U)…</translation>
    </message>
    <message>
        <location filename="../source_menu.py" line="95"/>
        <source>&amp;Camera</source>
        <translation>摄像头(&amp;C)</translation>
    </message>
    <message>
        <location filename="../source_menu.py" line="96"/>
        <source>&amp;Recent Files</source>
        <translation>最近的文件(&amp;R)</translation>
    </message>
    <message>
        <location filename="../source_menu.py" line="97"/>
        <source>S&amp;top</source>
        <translation>停止(&amp;T)</translation>
    </message>
    <message>
        <location filename="../source_menu.py" line="108"/>
        <source>Looking for cameras…</source>
        <translation>正在查找摄像头…</translation>
    </message>
    <message>
        <location filename="../source_menu.py" line="129"/>
        <source>Could not list cameras: %1</source>
        <translation>无法列出摄像头：%1</translation>
    </message>
    <message>
        <location filename="../source_menu.py" line="131"/>
        <source>No camera found — connect one, then Refresh</source>
        <translation>未找到摄像头——请连接摄像头后点击“刷新”</translation>
    </message>
    <message>
        <location filename="../source_menu.py" line="134"/>
        <source>Camera %1</source>
        <translation>摄像头 %1</translation>
    </message>
    <message>
        <location filename="../source_menu.py" line="138"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../source_menu.py" line="147"/>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
</context>
<context>
    <name>StatusPanel</name>
    <message>
        <location filename="../status_bar.py" line="40"/>
        <source>CUDA unavailable: %1</source>
        <translation>CUDA 不可用：%1</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="160"/>
        <source>Frames per second arriving from the source</source>
        <translation>视频源每秒送达的帧数</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="161"/>
        <source>Predictions per second the model produces</source>
        <translation>模型每秒给出的预测数</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="162"/>
        <source>Capture of a frame to its prediction being ready</source>
        <translation>从采集一帧到其预测完成的时间</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="163"/>
        <source>Frames skipped because inference fell behind (latest frame wins)</source>
        <translation>因推理跟不上而跳过的帧（始终使用最新帧）</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="164"/>
        <source>Whether the face locator finds a face, and whether the mouth moves as in speech</source>
        <translation>人脸定位器是否找到人脸，以及嘴部是否在像说话一样运动</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="175"/>
        <source>no face</source>
        <translation>无人脸</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="175"/>
        <source>face: speaking</source>
        <translation>人脸：正在说话</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="175"/>
        <source>face found</source>
        <translation>已找到人脸</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="188"/>
        <source>Device: %1</source>
        <translation>设备：%1</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="209"/>
        <source>Camera %1 fps</source>
        <translation>摄像头 %1 fps</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="209"/>
        <source>Stream %1 fps</source>
        <translation>视频流 %1 fps</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="210"/>
        <source>Video %1 fps</source>
        <translation>视频 %1 fps</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="212"/>
        <source>Model %1 fps</source>
        <translation>模型 %1 fps</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="213"/>
        <source>Latency %1 ms</source>
        <translation>延迟 %1 毫秒</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="214"/>
        <source>Dropped %1</source>
        <translation>丢帧 %1</translation>
    </message>
</context>
<context>
    <name>TeachDialog</name>
    <message>
        <location filename="../teach.py" line="92"/>
        <source>Teach New Actions</source>
        <translation>教授新动作</translation>
    </message>
    <message>
        <location filename="../teach.py" line="95"/>
        <location filename="../teach.py" line="258"/>
        <source>Add action…</source>
        <translation>添加动作…</translation>
    </message>
    <message>
        <location filename="../teach.py" line="96"/>
        <source>Add &quot;none of these&quot;</source>
        <translation>添加“以上都不是”</translation>
    </message>
    <message>
        <location filename="../teach.py" line="98"/>
        <source>Optional: clips of what should NOT count as any action (standing still, other movements, an empty room). The model then says &quot;unknown&quot; for them instead of naming an action.</source>
        <translation>可选：不应算作任何动作的片段（静止站立、其他动作、空房间）。模型遇到这类画面时会显示“未知”，而不是说出某个动作。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="100"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../teach.py" line="101"/>
        <location filename="../teach.py" line="256"/>
        <source>1. Actions</source>
        <translation>1. 动作</translation>
    </message>
    <message>
        <location filename="../teach.py" line="104"/>
        <source>What to teach</source>
        <translation>教授内容</translation>
    </message>
    <message>
        <location filename="../teach.py" line="110"/>
        <location filename="../teach.py" line="264"/>
        <source>Name at least two actions you will show the camera.</source>
        <translation>为至少两个你将对着摄像头展示的动作命名。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="118"/>
        <source>Add video files…</source>
        <translation>添加视频文件…</translation>
    </message>
    <message>
        <location filename="../teach.py" line="119"/>
        <source>Record from camera</source>
        <translation>用摄像头录制</translation>
    </message>
    <message>
        <location filename="../teach.py" line="125"/>
        <location filename="../teach.py" line="129"/>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <location filename="../teach.py" line="130"/>
        <location filename="../teach.py" line="267"/>
        <source>2. Clips of the selected action</source>
        <translation>2. 所选动作的片段</translation>
    </message>
    <message>
        <location filename="../teach.py" line="132"/>
        <location filename="../teach.py" line="273"/>
        <source>Give each action several short clips (3 or more), from files or the camera.</source>
        <translation>为每个动作提供几段短片段（3 段或更多），来自文件或摄像头。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="138"/>
        <source>Camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <location filename="../teach.py" line="139"/>
        <source>Clip length</source>
        <translation>片段长度</translation>
    </message>
    <message>
        <location filename="../teach.py" line="140"/>
        <source>Countdown</source>
        <translation>倒计时</translation>
    </message>
    <message>
        <location filename="../teach.py" line="149"/>
        <source>Camera preview appears here while recording.</source>
        <translation>录制时摄像头预览显示在这里。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="157"/>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../teach.py" line="162"/>
        <location filename="../teach.py" line="250"/>
        <source>my-actions</source>
        <translation>我的动作</translation>
    </message>
    <message>
        <location filename="../teach.py" line="163"/>
        <source>Train</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../teach.py" line="164"/>
        <source>Cancel training</source>
        <translation>取消训练</translation>
    </message>
    <message>
        <location filename="../teach.py" line="168"/>
        <source>Add actions and clips, then press Train.</source>
        <translation>添加动作和片段，然后点击“训练”。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="177"/>
        <source>Held-out clips: rows are the true action, columns what the model said.</source>
        <translation>留出片段：行是真实动作，列是模型给出的结果。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="179"/>
        <source>3. Train</source>
        <translation>3. 训练</translation>
    </message>
    <message>
        <location filename="../teach.py" line="182"/>
        <source>Bundle name</source>
        <translation>模型包名称</translation>
    </message>
    <message>
        <location filename="../teach.py" line="251"/>
        <source>my-words</source>
        <translation>我的词语</translation>
    </message>
    <message>
        <location filename="../teach.py" line="251"/>
        <source>my-gestures</source>
        <translation>我的手势</translation>
    </message>
    <message>
        <location filename="../teach.py" line="255"/>
        <source>1. Words or phrases</source>
        <translation>1. 词语或短语</translation>
    </message>
    <message>
        <location filename="../teach.py" line="255"/>
        <source>1. Gestures</source>
        <translation>1. 手势</translation>
    </message>
    <message>
        <location filename="../teach.py" line="257"/>
        <source>Add word…</source>
        <translation>添加词语…</translation>
    </message>
    <message>
        <location filename="../teach.py" line="257"/>
        <source>Add gesture…</source>
        <translation>添加手势…</translation>
    </message>
    <message>
        <location filename="../teach.py" line="260"/>
        <source>Name at least two words or phrases you will say (aloud or silently) to the camera.</source>
        <translation>至少命名两个你将对着摄像头说出（出声或无声）的词语或短语。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="261"/>
        <source>Name at least two hand gestures you will show the camera (e.g. open palm, thumbs up, swipe left).</source>
        <translation>请至少命名两个你将向摄像头展示的手势（例如张开手掌、竖起大拇指、向左挥动）。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="263"/>
        <source>Name the actions to add (one is enough) and show each to the camera.</source>
        <translation>说出要添加的动作（一个就够），并向摄像头逐一演示。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="265"/>
        <source>2. Clips of the selected word</source>
        <translation>2. 所选词语的片段</translation>
    </message>
    <message>
        <location filename="../teach.py" line="266"/>
        <source>2. Clips of the selected gesture</source>
        <translation>2. 所选手势的片段</translation>
    </message>
    <message>
        <location filename="../teach.py" line="269"/>
        <source>Give each word several short clips (3 or more) of your face from the front, from files or the camera.</source>
        <translation>为每个词语提供几段正面拍摄你面部的短片段（3 段或更多），来自文件或摄像头。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="271"/>
        <source>Give each gesture several short clips (3 or more) with your hands in view, from files or the camera.</source>
        <translation>为每个手势提供几个短片段（3 个或更多），手要在画面中，可以来自文件或摄像头。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="295"/>
        <source>none of these</source>
        <translation>以上都不是</translation>
    </message>
    <message>
        <location filename="../teach.py" line="314"/>
        <location filename="../teach.py" line="316"/>
        <source>New action</source>
        <translation>新动作</translation>
    </message>
    <message>
        <location filename="../teach.py" line="314"/>
        <source>Action name (e.g. &quot;waving&quot;):</source>
        <translation>动作名称（例如“挥手”）：</translation>
    </message>
    <message>
        <location filename="../teach.py" line="316"/>
        <source>Type a name that is not in the list yet.</source>
        <translation>请输入列表中还没有的名称。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="341"/>
        <source>Clips of %1</source>
        <translation>%1 的片段</translation>
    </message>
    <message>
        <location filename="../teach.py" line="342"/>
        <source>Videos (%1);;All files (*)</source>
        <translation>视频 (%1);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../teach.py" line="355"/>
        <source>Not ready to train</source>
        <translation>还不能训练</translation>
    </message>
    <message>
        <location filename="../teach.py" line="381"/>
        <source>Add at least two actions.</source>
        <translation>请至少添加两个动作。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="381"/>
        <source>Add an action.</source>
        <translation>添加一个动作。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="384"/>
        <source>Give &quot;%1&quot; at least two clips.</source>
        <translation>请为“%1”提供至少两段片段。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="392"/>
        <source>&quot;%1&quot; has only %2 clips: give it %3 or more (5 is better), ideally by more than one person.</source>
        <translation>“%1”只有 %2 个片段：请提供至少 %3 个（5 个更好），最好来自不止一个人。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="396"/>
        <source>&quot;%1&quot; and &quot;%2&quot; look alike: %3 of the held-out &quot;%1&quot; clips were taken for &quot;%2&quot;. Make the two more different, or add clips.</source>
        <translation>“%1”和“%2”看起来很像：留出的“%1”片段中有 %3 被识别成了“%2”。请让两者区别更明显，或添加更多片段。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="406"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location filename="../teach.py" line="418"/>
        <source>Reading the clips (features)…</source>
        <translation>正在读取片段（提取特征）…</translation>
    </message>
    <message>
        <location filename="../teach.py" line="419"/>
        <source>Checking on held-out clips…</source>
        <translation>正在用留出片段检验…</translation>
    </message>
    <message>
        <location filename="../teach.py" line="420"/>
        <source>Training…</source>
        <translation>正在训练…</translation>
    </message>
    <message>
        <location filename="../teach.py" line="420"/>
        <source>Preparing the backbone…</source>
        <translation>正在准备骨干网络…</translation>
    </message>
    <message>
        <location filename="../teach.py" line="421"/>
        <source>Saving the model…</source>
        <translation>正在保存模型…</translation>
    </message>
    <message>
        <location filename="../teach.py" line="433"/>
        <source>(macro F1 %1)</source>
        <translation>（宏平均 F1 %1）</translation>
    </message>
    <message>
        <location filename="../teach.py" line="438"/>
        <source>Saved to %1 — now in use.</source>
        <translation>已保存到 %1——现已启用。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="421"/>
        <location filename="../teach.py" line="440"/>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <location filename="../teach.py" line="367"/>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <location filename="../teach.py" line="459"/>
        <source>Training cancelled.</source>
        <translation>训练已取消。</translation>
    </message>
</context>
<context>
    <name>TeachReport</name>
    <message>
        <location filename="../teach_report.py" line="22"/>
        <source>Held-out live labels right: %1</source>
        <translation>留出集实时标签正确率：%1</translation>
    </message>
    <message>
        <location filename="../teach_report.py" line="24"/>
        <source>Held-out accuracy: not measured (give every action 2 or more clips).</source>
        <translation>留出集准确率：未测量（每个动作至少给 2 个片段）。</translation>
    </message>
    <message>
        <location filename="../teach_report.py" line="26"/>
        <source>Add clips of someone else (or from another day or room): name files &lt;person&gt;__name.mp4, or record them in the app.</source>
        <translation>请添加其他人（或另一天、另一个房间）的片段：文件命名为 &lt;person&gt;__name.mp4，或在应用中录制。</translation>
    </message>
    <message>
        <location filename="../teach_report.py" line="29"/>
        <source>A new person (predicted: each of %1 people or sessions held out in turn): %2 of clips right, %3 of live labels right, %4 of live labels “unknown”.</source>
        <translation>新的人（预测：%1 个人或录制场次轮流留出）：片段正确 %2，实时标签正确 %3，实时标签为“未知” %4。</translation>
    </message>
    <message>
        <location filename="../teach_report.py" line="36"/>
        <source>Taught by one person or session only, not in that prediction: %1.</source>
        <translation>只由一个人或一个录制场次教过、未计入该预测的动作：%1。</translation>
    </message>
    <message>
        <location filename="../teach_report.py" line="40"/>
        <source>A new person: cannot be predicted, the clips do not say who is in them (body keypoints do not show which recording a clip comes from).</source>
        <translation>新的人：无法预测，这些片段没有说明里面是谁（身体关键点看不出片段来自哪一次录制）。</translation>
    </message>
    <message>
        <location filename="../teach_report.py" line="44"/>
        <source>A new person: cannot be predicted, no action was taught by more than one person or session.</source>
        <translation>新的人：无法预测，没有任何动作由一个以上的人或录制场次教过。</translation>
    </message>
    <message>
        <location filename="../teach_report.py" line="47"/>
        <source>A new person: cannot be predicted, all clips come from one person or recording session; the figures below only say how well it knows that person.</source>
        <translation>新的人：无法预测，所有片段都来自同一个人或同一次录制；下面的数字只说明它对这个人的识别程度。</translation>
    </message>
    <message>
        <location filename="../teach_report.py" line="51"/>
        <source>each person held out</source>
        <translation>每次留出一个人</translation>
    </message>
    <message>
        <location filename="../teach_report.py" line="53"/>
        <source>each session held out</source>
        <translation>每次留出一个录制场次</translation>
    </message>
    <message>
        <location filename="../teach_report.py" line="55"/>
        <source>each clip held out</source>
        <translation>每次留出一个片段</translation>
    </message>
    <message>
        <location filename="../teach_report.py" line="56"/>
        <source>Held-out clips (%1): %2 of clips right, %3 of live labels right.</source>
        <translation>留出的片段（%1）：片段正确 %2，实时标签正确 %3。</translation>
    </message>
    <message>
        <location filename="../teach_report.py" line="61"/>
        <source>Untaught material: %1 of the live labels of an action left out of teaching come out “unknown”.</source>
        <translation>未教过的内容：把一个动作留出不教时，它的实时标签有 %1 显示为“未知”。</translation>
    </message>
</context>
<context>
    <name>TimelineWidget</name>
    <message>
        <location filename="../timeline.py" line="79"/>
        <location filename="../timeline.py" line="102"/>
        <source>words</source>
        <translation>词语</translation>
    </message>
    <message>
        <location filename="../timeline.py" line="79"/>
        <location filename="../timeline.py" line="102"/>
        <source>speaking</source>
        <translation>说话</translation>
    </message>
    <message>
        <location filename="../timeline.py" line="118"/>
        <source>Open a video or camera to see the words read from the lips over time.</source>
        <translation>打开视频或摄像头，即可查看随时间从唇形读出的词语。</translation>
    </message>
    <message>
        <location filename="../timeline.py" line="119"/>
        <source>Open a video or camera to see the probability of each action over time.</source>
        <translation>打开视频或摄像头后，这里会显示每个动作随时间变化的概率。</translation>
    </message>
    <message>
        <location filename="../timeline.py" line="293"/>
        <source>Click to seek to %1 s</source>
        <translation>点击跳转到 %1 秒</translation>
    </message>
    <message>
        <location filename="../timeline.py" line="321"/>
        <source>analysing file… %1%</source>
        <translation>正在分析文件… %1%</translation>
    </message>
    <message>
        <location filename="../timeline.py" line="339"/>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
</context>
<context>
    <name>TopKPanel</name>
    <message>
        <location filename="../topk_panel.py" line="28"/>
        <source>Top predictions</source>
        <translation>最可能的动作</translation>
    </message>
    <message>
        <location filename="../topk_panel.py" line="88"/>
        <source>Not like anything taught</source>
        <translation>与所教的任何内容都不像</translation>
    </message>
    <message>
        <location filename="../topk_panel.py" line="91"/>
        <source>novelty %1</source>
        <translation>新颖度 %1</translation>
    </message>
</context>
<context>
    <name>TranscriptPanel</name>
    <message>
        <location filename="../transcript_panel.py" line="52"/>
        <source>Transcript</source>
        <translation>转录</translation>
    </message>
    <message>
        <location filename="../transcript_panel.py" line="100"/>
        <source>Cannot read this face (the reader knows one speaker).</source>
        <translation>无法读出这张脸的唇语（读唇模型只认识一位说话人）。</translation>
    </message>
    <message>
        <location filename="../transcript_panel.py" line="101"/>
        <source>Cannot read this: the lips do not fit the sentences the reader knows.</source>
        <translation>无法读出：唇形与读唇模型认识的句子不符。</translation>
    </message>
    <message>
        <location filename="../transcript_panel.py" line="104"/>
        <source>This reader cannot tell when it cannot read (its bundle has no speaker check).</source>
        <translation>此读唇模型无法判断自己何时读不出（其模型包没有说话人检查）。</translation>
    </message>
    <message>
        <location filename="../transcript_panel.py" line="136"/>
        <source>No words read yet.</source>
        <translation>尚未读出词语。</translation>
    </message>
</context>
<context>
    <name>TransportBar</name>
    <message>
        <location filename="../transport.py" line="51"/>
        <source>Play / pause (Space)</source>
        <translation>播放 / 暂停（空格键）</translation>
    </message>
    <message>
        <location filename="../transport.py" line="52"/>
        <source>Drag to seek (←/→ jump 5 s)</source>
        <translation>拖动以跳转（←/→ 跳转 5 秒）</translation>
    </message>
    <message>
        <location filename="../transport.py" line="54"/>
        <location filename="../transport.py" line="73"/>
        <source>live</source>
        <translation>直播</translation>
    </message>
</context>
<context>
    <name>UnsureDialog</name>
    <message>
        <location filename="../unsure_dialog.py" line="41"/>
        <source>Where the Model Was Unsure</source>
        <translation>模型不确定的地方</translation>
    </message>
    <message>
        <location filename="../unsure_dialog.py" line="42"/>
        <source>The stretches of this file the model was least sure of. Say what each one was with one click: the model is re-taught after each answer.</source>
        <translation>这个文件中模型最不确定的几段。每段点一下说明它是什么：每次回答后模型都会重新教授。</translation>
    </message>
    <message>
        <location filename="../unsure_dialog.py" line="44"/>
        <source>&amp;Next Few</source>
        <translation>下几段(&amp;N)</translation>
    </message>
    <message>
        <location filename="../unsure_dialog.py" line="45"/>
        <source>&amp;Close</source>
        <translation>关闭(&amp;C)</translation>
    </message>
    <message>
        <location filename="../unsure_dialog.py" line="49"/>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../unsure_dialog.py" line="49"/>
        <source>uncertain</source>
        <translation>不确定</translation>
    </message>
    <message>
        <location filename="../unsure_dialog.py" line="50"/>
        <source>near the unknown threshold</source>
        <translation>接近未知阈值</translation>
    </message>
    <message>
        <location filename="../unsure_dialog.py" line="51"/>
        <source>a close call</source>
        <translation>难以区分</translation>
    </message>
    <message>
        <location filename="../unsure_dialog.py" line="69"/>
        <source>Show this stretch</source>
        <translation>显示这一段</translation>
    </message>
    <message>
        <location filename="../unsure_dialog.py" line="71"/>
        <source>%1; most like %2</source>
        <translation>%1；最像 %2</translation>
    </message>
    <message>
        <location filename="../unsure_dialog.py" line="77"/>
        <source>None of These</source>
        <translation>以上都不是</translation>
    </message>
    <message>
        <location filename="../unsure_dialog.py" line="90"/>
        <source>taught as %1</source>
        <translation>已教为 %1</translation>
    </message>
    <message>
        <location filename="../unsure_dialog.py" line="90"/>
        <source>none of these</source>
        <translation>以上都不是</translation>
    </message>
</context>
<context>
    <name>VideoView</name>
    <message>
        <location filename="../video_view.py" line="77"/>
        <source>Open a camera, a video file or a stream URL, or drop a file here.</source>
        <translation>打开摄像头、视频文件或视频流网址，或把文件拖放到这里。</translation>
    </message>
    <message>
        <location filename="../video_view.py" line="129"/>
        <source>warming up…</source>
        <translation>预热中…</translation>
    </message>
    <message>
        <location filename="../video_view.py" line="133"/>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../video_view.py" line="133"/>
        <source>not one of the actions this model knows</source>
        <translation>不是此模型认识的任何动作</translation>
    </message>
    <message>
        <location filename="../video_view.py" line="136"/>
        <source>best guess: %1 %2%</source>
        <translation>最可能：%1 %2%</translation>
    </message>
    <message>
        <location filename="../video_view.py" line="137"/>
        <source>uncertain</source>
        <translation>不确定</translation>
    </message>
</context>
<context>
    <name>WindowRules</name>
    <message>
        <location filename="../window_rules.py" line="61"/>
        <source>The rules for this model are not used: %1</source>
        <translation>此模型的规则未启用：%1</translation>
    </message>
</context>
<context>
    <name>bundle</name>
    <message>
        <location filename="../engine_texts.py" line="56"/>
        <source>Synthetic demo: recognises stick-figure motions (waving, arm_circles, jumping, walking_across, idle) rendered by models/synthetic.py; train your own bundle for real actions.</source>
        <translation>合成演示模型：识别 models/synthetic.py 渲染的火柴人动作（waving、arm_circles、jumping、walking_across、idle）；要识别真实动作，请训练你自己的模型包。</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="57"/>
        <source>Twelve everyday actions (waving, raising the arms, clapping, jumping jacks, squats, bows, punches, kicks, standing, walking on the spot) read from a person&apos;s body keypoints; learned from generated body motion only. Anything else is unknown: teach your own actions for it.</source>
        <translation>十二种日常动作（挥手、举起双臂、拍手、开合跳、深蹲、鞠躬、出拳、踢腿、站立、原地踏步），从人体关键点识别；仅用生成的人体动作训练。其他一切显示为“未知”：请为它们教授你自己的动作。</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="58"/>
        <source>action</source>
        <translation>动作</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="59"/>
        <source>lip</source>
        <translation>唇读</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="60"/>
        <source>lip-words</source>
        <translation>唇语词</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="61"/>
        <source>window</source>
        <translation>窗口式</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="62"/>
        <source>streaming</source>
        <translation>流式</translation>
    </message>
</context>
<context>
    <name>engine</name>
    <message>
        <location filename="../engine_texts.py" line="24"/>
        <source>no NVIDIA driver found (libcuda.so.1 is missing)</source>
        <translation>未找到 NVIDIA 驱动（缺少 libcuda.so.1）</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="27"/>
        <source>CUDA library %1 not found: install CUDA 13 and cuDNN 9</source>
        <translation>未找到 CUDA 库 %1：请安装 CUDA 13 和 cuDNN 9</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="29"/>
        <source>this ONNX Runtime build has no CUDA support</source>
        <translation>此 ONNX Runtime 版本不支持 CUDA</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="31"/>
        <source>the GPU could not run the model</source>
        <translation>GPU 无法运行该模型</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="33"/>
        <source>the installed cuDNN version does not fit this ONNX Runtime</source>
        <translation>已安装的 cuDNN 版本与此 ONNX Runtime 不匹配</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="35"/>
        <source>no usable GPU, or the CUDA/cuDNN libraries are missing</source>
        <translation>没有可用的 GPU，或缺少 CUDA/cuDNN 库</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="43"/>
        <source>%1 stops at %2 s: the file is probably truncated or damaged.</source>
        <translation>%1 在 %2 秒处中断：文件可能不完整或已损坏。</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="47"/>
        <source>%1 stopped delivering frames.</source>
        <translation>%1 已停止输出画面。</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <location filename="../errors.py" line="100"/>
        <source>Source not found</source>
        <translation>找不到视频源</translation>
    </message>
    <message>
        <location filename="../errors.py" line="102"/>
        <location filename="../errors.py" line="142"/>
        <source>Camera lost</source>
        <translation>摄像头已断开</translation>
    </message>
    <message>
        <location filename="../errors.py" line="106"/>
        <source>Video could not be decoded</source>
        <translation>视频无法解码</translation>
    </message>
    <message>
        <location filename="../errors.py" line="110"/>
        <source>Cannot open the video</source>
        <translation>无法打开视频</translation>
    </message>
    <message>
        <location filename="../errors.py" line="114"/>
        <source>Video source failed</source>
        <translation>视频源出错</translation>
    </message>
    <message>
        <location filename="../errors.py" line="118"/>
        <source>Cannot load the model bundle</source>
        <translation>无法加载模型包</translation>
    </message>
    <message>
        <location filename="../errors.py" line="122"/>
        <source>Inference failed</source>
        <translation>推理失败</translation>
    </message>
    <message>
        <location filename="../errors.py" line="126"/>
        <source>Engine failure</source>
        <translation>引擎故障</translation>
    </message>
    <message>
        <location filename="../errors.py" line="89"/>
        <source>the source</source>
        <translation>视频源</translation>
    </message>
    <message>
        <location filename="../errors.py" line="67"/>
        <source>ONNX Runtime is not installed</source>
        <translation>未安装 ONNX Runtime</translation>
    </message>
    <message>
        <location filename="../errors.py" line="68"/>
        <source>Kinesight cannot run its models: the ONNX Runtime package is missing.</source>
        <translation>Kinesight 无法运行模型：缺少 ONNX Runtime 软件包。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="69"/>
        <source>Install it with pip install &quot;kinesight[cpu]&quot; (or &quot;kinesight[gpu]&quot; for NVIDIA GPUs), then start Kinesight again.</source>
        <translation>请用 pip install &quot;kinesight[cpu]&quot; 安装（NVIDIA GPU 用 &quot;kinesight[gpu]&quot;），然后重新启动 Kinesight。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="73"/>
        <source>ONNX Runtime cannot be loaded</source>
        <translation>无法加载 ONNX Runtime</translation>
    </message>
    <message>
        <location filename="../errors.py" line="74"/>
        <source>Kinesight cannot run its models: the ONNX Runtime package is installed but does not load.</source>
        <translation>Kinesight 无法运行模型：ONNX Runtime 软件包已安装，但无法加载。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="76"/>
        <source>Reinstall it with pip install --force-reinstall &quot;kinesight[cpu]&quot; (or &quot;kinesight[gpu]&quot;), then start Kinesight again.</source>
        <translation>请用 pip install --force-reinstall &quot;kinesight[cpu]&quot;（或 &quot;kinesight[gpu]&quot;）重新安装，然后重新启动 Kinesight。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="81"/>
        <source>Reinstall Kinesight: this installation is incomplete.</source>
        <translation>请重新安装 Kinesight：当前安装不完整。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="95"/>
        <source>Kinesight cannot find %1: it does not exist or another program is using it.</source>
        <translation>Kinesight 找不到%1：它不存在，或正被其他程序占用。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="96"/>
        <source>Connect the camera or close the program using it, then pick it from Source ▸ Camera.</source>
        <translation>请连接摄像头或关闭占用它的程序，然后在“视频源 ▸ 摄像头”中选择它。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="98"/>
        <source>Kinesight cannot find %1.</source>
        <translation>Kinesight 找不到%1。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="99"/>
        <source>Check that the file is where you left it, or open another one.</source>
        <translation>请确认文件仍在原来的位置，或打开其他文件。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="103"/>
        <location filename="../errors.py" line="143"/>
        <source>%1 stopped sending frames.</source>
        <translation>%1已停止发送画面。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="104"/>
        <location filename="../errors.py" line="144"/>
        <source>Reconnect it, then pick it again from Source ▸ Camera.</source>
        <translation>请重新连接，然后在“视频源 ▸ 摄像头”中再次选择它。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="107"/>
        <source>%1 is damaged part-way; the frames before the damage were shown.</source>
        <translation>%1中途损坏；损坏之前的画面已经显示。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="108"/>
        <source>Play another copy of the file, or open another one.</source>
        <translation>请播放该文件的其他副本，或打开其他文件。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="111"/>
        <source>Kinesight cannot read %1 as a video.</source>
        <translation>Kinesight 无法将%1作为视频读取。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="112"/>
        <source>Try another file, or convert this one to MP4 (H.264).</source>
        <translation>请换一个文件，或将此文件转换为 MP4（H.264）。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="115"/>
        <source>%1 stopped working.</source>
        <translation>%1已停止工作。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="116"/>
        <source>Open it again, or choose another source from the Source menu.</source>
        <translation>请重新打开，或在“视频源”菜单中选择其他视频源。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="119"/>
        <source>The model bundle is missing, damaged or incomplete.</source>
        <translation>模型包缺失、已损坏或不完整。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="120"/>
        <source>Pick another bundle from the Model menu, or export or download this one again.</source>
        <translation>请在“模型”菜单中选择其他模型包，或重新导出或下载此模型包。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="123"/>
        <source>The model could not run on this computer.</source>
        <translation>模型无法在这台电脑上运行。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="124"/>
        <source>Try another model bundle; if you use a GPU, update its driver.</source>
        <translation>请尝试其他模型包；如果使用 GPU，请更新其驱动。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="127"/>
        <source>Recognition stopped because of an internal error.</source>
        <translation>识别因内部错误而停止。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="128"/>
        <source>Open the source again; if it keeps failing, restart Kinesight.</source>
        <translation>请重新打开视频源；如果仍然失败，请重启 Kinesight。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="130"/>
        <source>Kinesight error</source>
        <translation>Kinesight 错误</translation>
    </message>
    <message>
        <location filename="../errors.py" line="131"/>
        <source>Recognition stopped.</source>
        <translation>识别已停止。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="132"/>
        <location filename="../errors.py" line="136"/>
        <source>Open the source again.</source>
        <translation>请重新打开视频源。</translation>
    </message>
    <message>
        <location filename="../errors.py" line="134"/>
        <source>Unexpected error</source>
        <translation>意外错误</translation>
    </message>
    <message>
        <location filename="../errors.py" line="135"/>
        <source>Recognition stopped because of an unexpected error; the app keeps running.</source>
        <translation>识别因意外错误而停止；应用仍在运行。</translation>
    </message>
</context>
<context>
    <name>label</name>
    <message>
        <location filename="../engine_texts.py" line="75"/>
        <source>wave one arm</source>
        <translation>单臂挥手</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="76"/>
        <source>wave both arms</source>
        <translation>双臂挥动</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="77"/>
        <source>raise both arms sideways</source>
        <translation>双臂侧平举</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="78"/>
        <source>raise both arms forward</source>
        <translation>双臂前平举</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="79"/>
        <source>clap</source>
        <translation>拍手</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="80"/>
        <source>jumping jack</source>
        <translation>开合跳</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="81"/>
        <source>squat</source>
        <translation>深蹲</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="82"/>
        <source>bow</source>
        <translation>鞠躬</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="83"/>
        <source>punch</source>
        <translation>出拳</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="84"/>
        <source>kick</source>
        <translation>踢腿</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="85"/>
        <source>stand still</source>
        <translation>站立不动</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="86"/>
        <source>walk on the spot</source>
        <translation>原地踏步</translation>
    </message>
    <message>
        <location filename="../engine_texts.py" line="87"/>
        <source>none of these</source>
        <translation>以上都不是</translation>
    </message>
</context>
</TS>
