; Inno Setup 6 script: AskShot's Windows installer, over the PyInstaller folder.
;
; Build on Windows, from the project folder:
;   py -m pip install . "pyinstaller>=6.10,<7"
;   py -m PyInstaller --noconfirm --distpath dist\pyinstaller packaging\askshot.spec
;   iscc packaging\windows\askshot.iss
; Output: dist\AskShot-<version>-setup.exe.
;
; The folder holds two programs built from the same code (see askshot.spec):
;   AskShot.exe      the window, windowless launcher (no console flashes up); menu entry
;   askshot-cli.exe  the command line (askshot-cli ask ..., --self-test), prints to the console
; The installer asks "for me only" (no admin, %LOCALAPPDATA%\Programs\AskShot) or
; "for all users" (Program Files); it adds a Start-menu entry and an uninstaller.
; Settings and history (%LOCALAPPDATA%\askshot) and keyring entries stay on uninstall.

; Defines AppVersion from the package metadata; written by askshot.spec at build time.
#include "..\..\build\askshot-package\version.iss"
#define AppName "AskShot"
#define Bundle "..\..\dist\pyinstaller\askshot"

[Setup]
AppId={{BC9E2503-91B4-4A75-B5D9-AB5EFD294DAC}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=AskShot developers
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-user install by default; the dialog offers an all-users install (needs admin).
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=AskShot-{#AppVersion}-setup
SetupIconFile=..\..\build\askshot-package\askshot.ico
UninstallDisplayIcon={app}\AskShot.exe
UninstallDisplayName={#AppName}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\AskShot.exe"; Comment: "Ask about a screenshot"
Name: "{autoprograms}\{#AppName} - Capture Region"; Filename: "{app}\AskShot.exe"; Parameters: "--capture"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\AskShot.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\AskShot.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
