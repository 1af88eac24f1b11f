"""cloudaudit: how much of an organisation's internet presence hangs on one provider or region."""

from cloudaudit._version import __version__

__all__ = ["__version__"]
