"""deploybot: runs a service provider's production deployment procedure."""

__version__ = "0.1.0"
