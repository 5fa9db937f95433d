"""The instrument: items, thresholds and texts (validated YAML shipped in this folder)."""
