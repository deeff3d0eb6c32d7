#!/usr/bin/env python3
"""Fills a gateway with N distinct complaints through its signed generic webhook.

Usage: handoff_fill.py <port> <channel> <secret> <count> [workers]
Each message has its own provider id, reporter and text, so dedup never merges them. Exits 1 if any
request is not answered 200.
"""
import hashlib
import hmac
import http.client
import json
import sys
import threading

port, channel, secret, count = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode(), int(sys.argv[4])
workers = int(sys.argv[5]) if len(sys.argv) > 5 else 8
failures = []


def work(worker):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for n in range(worker, count, workers):
        body = json.dumps({
            "id": f"handoff-bench-{n}",
            "from": f"+62813{n:08d}",
            "text": f"Laporan nomor {n}: kode unik {hashlib.sha1(str(n).encode()).hexdigest()[:16]} mohon ditindaklanjuti",
        }).encode()
        signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        conn.request("POST", f"/webhooks/{channel}", body,
                     {"Content-Type": "application/json", "X-Intake-Signature": signature})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            failures.append(response.status)


threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if failures:
    print(f"fill: {len(failures)} requests failed, e.g. status {failures[0]}", file=sys.stderr)
    sys.exit(1)
