"""JSON Schemas of rentflow's input formats (documented in docs/)."""
