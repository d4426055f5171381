"""jingfang: community service management of patients with severe mental disorders."""

__version__ = "0.1.0"
