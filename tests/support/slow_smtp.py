"""A slow SMTP server for the fleet tests: aiosmtpd (installed by tests/support/smtp.sh) on a
loopback port, taking DELAY seconds over every message before accepting it.

usage: python slow_smtp.py PORT DIR DELAY

Every accepted message appends one line to DIR/accepted: its recipients, comma-separated. A
message is accepted only while its client is still connected: a client that goes away during
the delay (a killed instance) gets nothing accepted, as with a real server. While the file
DIR/hold exists, messages whose delay is over wait before being accepted, so a test can stop
acceptances, act, and resume. DIR/started gets one line per message whose data arrived.
"""

import asyncio
import os
import sys

from aiosmtpd.controller import Controller


class Slow:
    def __init__(self, directory: str, delay: float) -> None:
        self.directory = directory
        self.delay = delay

    def _append(self, name: str, line: str) -> None:
        with open(os.path.join(self.directory, name), "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())

    async def handle_DATA(self, server, session, envelope):
        recipients = ",".join(envelope.rcpt_tos)
        self._append("started", recipients)
        await asyncio.sleep(self.delay)
        hold = os.path.join(self.directory, "hold")
        while os.path.exists(hold):
            await asyncio.sleep(0.05)
        transport = server.transport
        if transport is None or transport.is_closing():
            return "421 client gone"
        self._append("accepted", recipients)
        return "250 Message accepted for delivery"


def main() -> None:
    port, directory, delay = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    controller = Controller(Slow(directory, delay), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"ready {port}", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
