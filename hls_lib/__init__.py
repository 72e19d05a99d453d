"""The C++ kernel library and C-simulation headers, installed as package data of inrarch."""

from pathlib import Path

HLS_LIB_DIR = Path(__file__).resolve().parent
