"""One API process: `python -m api.serve`. `accord run` starts ACCORD_API_WORKERS of them, each on its
own SO_REUSEPORT socket bound to the same port, so the kernel spreads connections evenly over them
(with `uvicorn --workers`, processes share one socket and whichever accepts first can end up holding
most of the keep-alive connections: measured, one process at 100 % while the other idled)."""

from __future__ import annotations

import socket

import uvicorn

from accord.config import get_settings


def main() -> None:
    settings = get_settings()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind((settings.api_host, settings.api_port))
    config = uvicorn.Config("api.main:app", access_log=False, log_config=None)
    uvicorn.Server(config).run(sockets=[listener])


if __name__ == "__main__":
    main()
