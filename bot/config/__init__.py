"""deploybot's configuration: the models (``models``) and reading them from YAML (``loading``)."""
