"""Writers: results -> files (register, summary, run record), atomically."""
