"""The memory ceiling of a worker process.

A hostile export can make a parser allocate without end (a workbook's shared strings, a CSV line
of millions of fields). The limits of integrations.erp.file.limits refuse what they can see
before reading; the ceiling catches the rest: ``RLIMIT_DATA`` (heap and private writable
mappings, what Python allocates) makes an allocation beyond it fail with ``MemoryError`` inside
the task, which the reading services turn into a German finding, instead of the kernel's OOM
killer ending the worker (and the broker delivering the task again).
"""

from __future__ import annotations

import logging
import resource

logger = logging.getLogger(__name__)


def worker_memory_ceiling_set(*, megabytes: int) -> int | None:
    """Cap this process's data memory at ``megabytes`` (0: leave it); returns the ceiling set
    in bytes, or None. A lower hard limit of the system is kept."""
    if megabytes <= 0:
        return None
    limit = megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    logger.info("worker memory ceiling", extra={"megabytes": limit // (1024 * 1024)})
    return limit
