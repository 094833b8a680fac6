"""Helpers shared by the tests: plain functions, classes and constants, no fixtures
(those live in the conftest.py files, which import what they need from here)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
