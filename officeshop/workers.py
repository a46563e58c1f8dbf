"""The web server of `make run`: gunicorn's master with uvicorn workers.

A worker whose master died stops by itself (it checks on every tick of
uvicorn's loop), so a killed master never leaves orphans serving the port.
"""

import os
import signal

from uvicorn.workers import UvicornWorker


class ShopWorker(UvicornWorker):
    CONFIG_KWARGS = {
        **UvicornWorker.CONFIG_KWARGS,
        # Frames past this close the socket (1009); the consumer refuses
        # anything over LIVE_MAX_MESSAGE_BYTES before that.
        "ws_max_size": 65536,
    }

    async def callback_notify(self) -> None:
        await super().callback_notify()
        if os.getppid() != self.ppid:
            self.log.warning("master %s is gone; worker %s stops", self.ppid, self.pid)
            os.kill(os.getpid(), signal.SIGTERM)
