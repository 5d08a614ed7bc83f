# Build the Windows installer: dist\kinesight-<version>-windows-x64-setup.exe (+ a portable .zip).
# Cannot be run here (no Windows machine): CI runs it on windows-latest (.github/workflows/package.yml).
# The same steps as packaging/build-deb.sh: a fresh venv with the app's dependencies only
# (.[cpu,package], never PyTorch), PyInstaller with packaging/kinesight.spec, then the installer.
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build-windows.ps1
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
$Version = (python -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])").Trim()
$Venv = "build\pkg-venv-cpu"
if (-not (Test-Path "$Venv\Scripts\python.exe")) { python -m venv $Venv }
& "$Venv\Scripts\python.exe" -m pip install -q --upgrade ".[cpu,package]"
if ($LASTEXITCODE -ne 0) { throw "pip install failed" }
& "$Venv\Scripts\python.exe" -m PyInstaller --noconfirm --log-level WARN --distpath build\frozen-cpu --workpath build\pyinstaller-cpu packaging\kinesight.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
$App = "build\frozen-cpu\kinesight"
if (Get-ChildItem -Recurse $App -Filter "torch*" | Select-Object -First 1) { throw "PyTorch ended up in $App" }
& "$App\kinesight.exe" --version
if ($LASTEXITCODE -ne 0) { throw "the frozen kinesight.exe does not start" }
New-Item -ItemType Directory -Force dist | Out-Null
Compress-Archive -Force -Path $App -DestinationPath "dist\kinesight-$Version-windows-x64.zip"
# Inno Setup 6 (preinstalled on GitHub's Windows runners; else: choco install innosetup)
$Iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe"
& $Iscc "/DAppVersion=$Version" "/DSourceDir=..\..\$App" packaging\windows\kinesight.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Get-ChildItem dist
