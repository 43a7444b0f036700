"""The application shell: QApplication, main window, tray, single instance, self-test."""
