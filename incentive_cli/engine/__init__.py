"""Engine: records -> results. Pure: no I/O, no printing, no clock."""
