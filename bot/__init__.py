"""Wiring: settings, the command line, the web server and one adapter per platform."""
