"""Running it: the composition root (wiring), the service's cycle and the daemon."""
