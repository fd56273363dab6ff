"""Keeping the service running: the worker's heartbeat, health checks of each part, and the
supervisor that restarts a dead embedded worker."""
