"""Operations' models hold no personal data. See `gensidig.common.personal_data`."""

from __future__ import annotations

from gensidig.common.personal_data import exclude

exclude("ops.WorkerHeartbeat", "A worker process's host name and pid: no person's data.")
