"""The version of cleancorpus (a leaf module: the report and the CLI read it without
importing the package's whole API)."""

__version__ = "0.1.0"
