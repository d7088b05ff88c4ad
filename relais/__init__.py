"""Relais: a newsroom translation desk."""

__version__ = "0.1.0"
