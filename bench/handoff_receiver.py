#!/usr/bin/env python3
"""A routing core for the handoff bench: answers every POST with 200 at once and counts them.

Usage: handoff_receiver.py <port> <count-file>
Writes the number of requests received to <count-file> whenever it changes (at most every 0.2 s)
and on SIGTERM. Binds 127.0.0.1 only.
"""
import http.server
import signal
import sys
import threading
import time

port, count_file = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
received = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        global received
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        with lock:
            received += 1

    def log_message(self, *args):
        pass


def write_count():
    with lock:
        value = received
    with open(count_file, "w") as f:
        f.write(f"{value}\n")


def writer():
    last = -1
    while True:
        time.sleep(0.2)
        if received != last:
            last = received
            write_count()


class Server(http.server.ThreadingHTTPServer):
    # The default listen backlog of 5 drops connections beyond it; the client then retries after a second.
    request_queue_size = 256


server = Server(("127.0.0.1", port), Handler)
server.daemon_threads = True
signal.signal(signal.SIGTERM, lambda *_: (write_count(), sys.exit(0)))
threading.Thread(target=writer, daemon=True).start()
write_count()
server.serve_forever()
