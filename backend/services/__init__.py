"""Use cases: each takes a unit of work and ports, and is the only place that orchestrates."""
