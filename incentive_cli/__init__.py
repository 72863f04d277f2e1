"""incentive_cli: sales incentive programs as YAML, computed exactly from CRM exports."""

__version__ = "0.1.0"
