"""The web server of `make run`: gunicorn's master with uvicorn workers.

Gunicorn's workers notice when their master dies and stop, so a killed
master never leaves orphans serving the port (uvicorn's own --workers
does).
"""

from uvicorn.workers import UvicornWorker


class ShopWorker(UvicornWorker):
    CONFIG_KWARGS = {
        **UvicornWorker.CONFIG_KWARGS,
        # Frames past this close the socket (1009); the consumer refuses
        # anything over LIVE_MAX_MESSAGE_BYTES before that.
        "ws_max_size": 65536,
    }
