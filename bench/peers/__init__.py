"""Compiler drivers, one per tool; they run inside each tool's own interpreter (see protocol.py)."""
