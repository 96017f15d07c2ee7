"""Run motcua's map, reduce and finish steps on a Dask cluster (docs/DISTRIBUTED.md)."""

from .driver import Driver, DriverError, cut_map_tasks, default_map_tasks, PARTITIONS

__all__ = ["Driver", "DriverError", "cut_map_tasks", "default_map_tasks", "PARTITIONS"]
