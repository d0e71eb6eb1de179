"""Home care tender design: lots, providers per lot, block and framework volumes."""

__version__ = "0.1.0"
