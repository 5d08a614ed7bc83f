; Inno Setup script of the Windows installer (cannot be run here: no Windows machine; CI builds it,
; .github/workflows/package.yml). Built by packaging/windows/build-windows.ps1 after PyInstaller:
;   iscc /DAppVersion=0.1.0 /DSourceDir=..\..\build\frozen-cpu\kinesight packaging\windows\kinesight.iss
; The same frozen folder as the Linux .deb (packaging/kinesight.spec), with kinesight-gui.exe (windowed)
; beside kinesight.exe (console). Per-user or per-machine install, Start menu entry, optional PATH
; entry for the command line, clean uninstall (the folder is removed; user settings stay in the registry
; under HKCU\Software\Kinesight, as Qt's QSettings writes them).
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\build\frozen-cpu\kinesight"
#endif

[Setup]
AppId={{5E0B8B9C-3F0B-4C53-9A53-6E1C4B2D7A11}
AppName=Kinesight
AppVersion={#AppVersion}
AppPublisher=Kinesight developers
DefaultDirName={autopf}\Kinesight
DefaultGroupName=Kinesight
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=kinesight-{#AppVersion}-windows-x64-setup
SetupIconFile=kinesight.ico
UninstallDisplayIcon={app}\kinesight-gui.exe
Compression=lzma2/fast
SolidCompression=yes
ChangesEnvironment=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add the kinesight command to PATH"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Kinesight"; Filename: "{app}\kinesight-gui.exe"
Name: "{group}\Uninstall Kinesight"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Kinesight"; Filename: "{app}\kinesight-gui.exe"; Tasks: desktopicon

[Registry]
Root: HKA; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; \
  Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\kinesight-gui.exe"; Description: "{cm:LaunchProgram,Kinesight}"; Flags: nowait postinstall skipifsilent

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Paths: string;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Paths) then
    Paths := '';
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Paths) + ';') = 0;
end;
