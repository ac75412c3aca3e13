"""Probes gather facts and do all the I/O; each pairs a thin reader with a pure parser."""
