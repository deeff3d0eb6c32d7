"""An SMTP sink for the tests: aiosmtpd on 127.0.0.1:PORT storing every accepted message in DIR.

Each message is written as DIR/<n>.eml (the DATA exactly as received, dot-unstuffed) and DIR/<n>.json
(the envelope), each atomically; DIR/ready appears once the server listens. RCPT TO a local part in
--reject (e.g. "nobody") is refused with 550. Runs until SIGTERM or SIGINT.
"""
import argparse
import asyncio
import json
import os
import signal

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, directory, rejected):
        self.directory = directory
        self.rejected = set(rejected)
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0].lower() in self.rejected:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, str(self.count))
        write(base + ".eml", envelope.original_content)
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}
        write(base + ".json", json.dumps(meta).encode())
        return "250 Message accepted for delivery"


def write(path, data):
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.rename(path + ".tmp", path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--reject", action="append", default=[])
    args = parser.parse_args()
    controller = Controller(Store(args.dir, args.reject), hostname="127.0.0.1", port=args.port, decode_data=False)
    controller.start()
    write(os.path.join(args.dir, "ready"), b"")
    loop = asyncio.new_event_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    loop.run_until_complete(stop)
    controller.stop()


if __name__ == "__main__":
    main()
