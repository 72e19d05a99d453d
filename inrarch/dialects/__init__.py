"""xDSL dialects of inrarch: `inr` and `dataflow`."""
