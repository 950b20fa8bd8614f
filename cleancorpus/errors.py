"""Errors more than one layer raises (a leaf module: it imports nothing of cleancorpus)."""


class ConfigError(ValueError):
    """A configuration that cannot be used: unknown key, wrong type, unreadable file."""
