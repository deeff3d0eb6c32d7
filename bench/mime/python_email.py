#!/usr/bin/python3
"""Python's email package over the MIME benchmark corpus, the baseline intake is compared with.

For every message: email.message_from_bytes with policy.default, then the decoded Subject, the From mailboxes, and the
body text (get_body preferring text/plain, then text/html; get_content decodes transfer encoding and charset).
The corpus is read into memory before the clock starts. Prints one JSON line.
Usage: python_email.py CORPUS_DIR [ROUND]
"""
import email
import email.policy
import json
import os
import sys
import time


def handle(raw):
    message = email.message_from_bytes(raw, policy=email.policy.default)
    subject = message["subject"]
    sender = message["from"]
    addresses = [mailbox.addr_spec for mailbox in sender.addresses] if sender is not None else []
    body = message.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None else None
    return str(subject) if subject is not None else None, addresses, text


def main():
    directory = sys.argv[1]
    round_number = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    corpus = []
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as file:
            corpus.append(file.read())
    failed = 0
    started = time.perf_counter()
    for raw in corpus:
        try:
            handle(raw)
        except Exception:  # Python's own failures (a header it cannot read, an unknown charset) are counted
            failed += 1
    seconds = time.perf_counter() - started
    print(json.dumps({"tool": "python-email", "mode": "parse", "round": round_number, "messages": len(corpus),
                      "seconds": round(seconds, 3), "msgs_per_sec": round(len(corpus) / seconds), "failed": failed,
                      "python": sys.version.split()[0]}))


if __name__ == "__main__":
    main()
