"""gunicorn's settings for gradebook: ``gunicorn -c deploy/gunicorn.conf.py gradebook.wsgi``.

Threaded workers (``gthread``), not gunicorn's default ``sync`` ones. A sync worker serves one
request at a time and tells the arbiter it is alive only between requests, so an upload that
takes longer than ``timeout`` is killed mid-way: at the 120 s below, a 35 MB scan sent at
0.25 MB/s was cut after 121 s, and the 1 GiB upload limit would have needed 8.7 MB/s. A
gthread worker's main loop keeps reporting while its threads read request bodies, so a slow
upload takes as long as it takes, and ``timeout`` only restarts a worker that is truly stuck.
tests/gradebook/test_deployment.py measures both with a real gunicorn and a throttled client.

Command-line options override these (the test sets ``--timeout``); ``WEB_CONCURRENCY`` and
``GUNICORN_THREADS`` size the pool.
"""

from __future__ import annotations

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Threads per worker: concurrent requests (uploads included) per process. Each thread keeps
# its own database connection (DB_CONN_MAX_AGE), so workers x threads connections at most.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 120
graceful_timeout = 60
keepalive = 5
# The heartbeat file on tmpfs: in a container, /tmp on an overlay filesystem can stall it.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"
