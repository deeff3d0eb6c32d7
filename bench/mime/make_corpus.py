#!/usr/bin/python3
"""Writes the MIME benchmark corpus: the given message files repeated until there are --count of them.

Each copy gets a Message-ID of its own as its first header field (after an mbox 'From ' line, if any), so no copy
is the redelivery of another, and a sender of its own: the first address of its From line gets a subdomain naming the
copy (bbb@ddd.com becomes bbb@c17.ddd.com; local parts such as mailer-daemon stay as they are). Without that, every
copy after the first would come from the same reporter with the same text and be merged into one complaint.
Usage: make_corpus.py --out DIR --count N FILE...
"""
import argparse
import os


def own_sender(raw, index):
    """`raw` with the first '@' of its first From: line (in the header) followed by a subdomain naming the copy."""
    header_end = min(end for end in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n"), len(raw)) if end >= 0)
    start = 0
    while start < header_end:
        end = raw.find(b"\n", start)
        end = header_end if end < 0 else end
        if raw[start:start + 5].lower() == b"from:":
            at = raw.find(b"@", start, end)
            if at >= 0:
                return raw[:at + 1] + b"c%d." % index + raw[at + 1:]
            return raw
        start = end + 1
    return raw


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    sources = []
    for path in sorted(args.files):
        with open(path, "rb") as handle:
            sources.append(handle.read())
    os.makedirs(args.out, exist_ok=True)
    for index in range(args.count):
        raw = sources[index % len(sources)]
        header = b"Message-ID: <bench-%06d@intake.example>\r\n" % index
        if raw.startswith(b"From "):
            newline = raw.find(b"\n") + 1
            raw = raw[:newline] + header + raw[newline:]
        else:
            raw = header + raw
        raw = own_sender(raw, index)
        with open(os.path.join(args.out, "%06d.eml" % index), "wb") as handle:
            handle.write(raw)
    print(f"mime: corpus of {args.count} messages from {len(sources)} distinct files, {sum(len(s) for s in sources)} bytes of sources")


if __name__ == "__main__":
    main()
