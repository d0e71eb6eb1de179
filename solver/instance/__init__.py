"""Instances: the data a tender design is made from, read and validated at the door."""

from .model import Instance, load_instance
from .problems import InputError, Problem

__all__ = ["Instance", "InputError", "Problem", "load_instance"]
