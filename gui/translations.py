"""Languages: the compiled Qt translation files in ``gui/i18n`` and switching between them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

I18N_DIR = Path(__file__).resolve().parent / "i18n"

# Language code -> its own name (shown in the Language menu untranslated, as is customary).
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}

_installed: list[QTranslator] = []


def system_language() -> str:
    """The supported language closest to the system locale ("zh_CN" for any Chinese, else "en")."""
    for name in QLocale.system().uiLanguages() or [QLocale.system().name()]:
        name = name.replace("-", "_")
        if name.lower().startswith("zh"):
            return "zh_CN"
        if name.lower().startswith("en"):
            return "en"
    return "en"


def resolve_language(choice: str | None) -> str:
    """"system"/None/unknown -> the system's language; otherwise the code itself."""
    if choice in LANGUAGES:
        return choice
    return system_language()


def install_language(lang: str) -> bool:
    """Replace the application's translators with ``lang``'s; English needs none.

    Returns False when the translation file is missing (the app then stays in English).
    """
    app = QCoreApplication.instance()
    for t in _installed:
        app.removeTranslator(t)
    _installed.clear()
    if lang == "en":
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        return True
    ours = QTranslator(app)
    if not ours.load(str(I18N_DIR / f"kinesight_{lang}.qm")):
        return False
    app.installTranslator(ours)
    _installed.append(ours)
    # Qt's own strings (standard buttons of message boxes and file dialogs).
    qt = QTranslator(app)
    if qt.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)
    QLocale.setDefault(QLocale(lang))
    return True


# What to install when the interface's script has no font (shown in English: in the missing
# script it would be boxes too).
FONT_PACKAGES = "Debian/Ubuntu: sudo apt install fonts-noto-cjk; Fedora: sudo dnf install google-noto-sans-cjk-fonts"


def missing_font(lang: str) -> str | None:
    """A warning when no installed font can draw ``lang``'s script (the Chinese interface would
    show boxes), else None. Needs a QGuiApplication."""
    if lang != "zh_CN":
        return None
    from PySide6.QtGui import QFontDatabase

    if QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese):
        return None
    return ("No font with Chinese characters is installed, so the Chinese interface shows boxes. "
            f"Install one ({FONT_PACKAGES}) and restart, or switch to English (View > Language).")
