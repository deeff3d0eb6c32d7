#!/usr/bin/env python3
"""The datasketch MinHash-LSH baseline that `intake dedup eval` is measured against.

Two modes:

  eval (default)  read messages JSONL ({"id","channel","reporter","received_at","title","body"})
                  from --input or stdin, write predictions JSONL ({"id","complaint","cluster"})
                  to --output or stdout, one line per input line, in input order.

  stream          --stream FILE --prior N [--limit M]: index the first N messages of FILE
                  (timed as the index build), then time the next M messages through
                  MinHash + query + decision + insert, and print one JSON line of numbers.

The algorithm is a plain, standard use of the library:

  text      lowercase(title + " " + body), whitespace runs collapsed to one space
  shingles  the set of character 3-grams of text (a text shorter than 3 is its own shingle)
  sketch    MinHash(num_perm=128, seed=1), datasketch's defaults otherwise (SHA-1, affine32)
  index     MinHashLSH(threshold=T, num_perm=128), T = --threshold (default 0.5)

Messages are taken in received_at order (input order breaks ties). For each: query the index;
keep the candidates whose estimated Jaccard is at least T (datasketch's own advice: LSH
candidates are approximate, re-check them with MinHash.jaccard; --no-verify keeps them all);
if any remain, join the cluster of the one with the highest estimate (earliest on a tie) and
its complaint too when both reporters are the same string after lowercasing and removing
spaces and dashes (an empty, anonymous reporter never matches); otherwise start a new
complaint and a new cluster. Then insert the message.

Complaint and cluster labels are the id of the first message that opened them.
An empty text (no shingles) is never indexed: its MinHash would equal every other empty one.
"""

import argparse
import json
import resource
import sys
import time
from datetime import datetime, timezone

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SEED = 1
_REPORTER_STRIP = str.maketrans("", "", " \t-")


def message_text(message):
    """lowercase(title + " " + body) with whitespace runs collapsed."""
    title = message.get("title") or ""
    body = message.get("body") or ""
    return " ".join(f"{title} {body}".lower().split())


def shingles(text):
    """The set of character 3-grams of text, as UTF-8 bytes for datasketch's SHA-1 hash."""
    if len(text) < 3:
        return [text.encode("utf-8")] if text else []
    return [s.encode("utf-8") for s in {text[i : i + 3] for i in range(len(text) - 2)}]


def reporter_key(reporter):
    """The reporter string compared for "same complaint": lowercased, spaces and dashes removed."""
    return (reporter or "").lower().translate(_REPORTER_STRIP)


def received_key(value):
    """Sort key for received_at: an aware UTC datetime when it parses, else the raw string after all parsed ones."""
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=timezone.utc)
            return (0, parsed.timestamp(), "")
        except ValueError:
            pass
    return (1, 0.0, str(value))


class Deduplicator:
    """MinHash-LSH near-duplicate search plus the complaint/cluster decision."""

    def __init__(self, threshold=0.5, verify=True):
        self.threshold = threshold
        self.verify = verify
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        # One MinHash whose permutations every sketch shares (what MinHash.bulk does internally).
        self.empty = MinHash(num_perm=NUM_PERM, seed=SEED)
        # Per indexed message (key = position): its hash values, labels and reporter key.
        # MinHashLSH keeps only keys, so the estimates for ranking need the sketches kept here.
        self.hashvalues = []
        self.complaints = []
        self.clusters = []
        self.reporters = []
        self.queries = 0
        self.candidates = 0  # LSH candidates returned, over all queries

    def sketch(self, text):
        """The MinHash of text, or None when text has no shingles."""
        grams = shingles(text)
        if not grams:
            return None
        m = self.empty.copy()
        m.update_batch(grams)
        return m

    def best_candidate(self, m):
        """The key of the most similar indexed message, or None."""
        best, best_score = None, -1
        values = m.hashvalues
        keys = self.lsh.query(m)
        self.queries += 1
        self.candidates += len(keys)
        for key in keys:
            score = int(np.count_nonzero(values == self.hashvalues[key]))
            if score > best_score or (score == best_score and key < best):
                best, best_score = key, score
        if best is None:
            return None
        if self.verify and best_score / NUM_PERM < self.threshold:
            return None
        return best

    def add(self, message_id, reporter, text, decide=True):
        """Decides on one message, indexes it, and returns its (complaint, cluster) labels.

        With decide=False the message is only indexed, as its own complaint and cluster.
        """
        m = self.sketch(text)
        reporter = reporter_key(reporter)
        complaint = cluster = message_id
        if m is not None and decide:
            best = self.best_candidate(m)
            if best is not None:
                cluster = self.clusters[best]
                if reporter and reporter == self.reporters[best]:
                    complaint = self.complaints[best]
        key = len(self.hashvalues)
        self.hashvalues.append(m.hashvalues if m is not None else None)
        self.complaints.append(complaint)
        self.clusters.append(cluster)
        self.reporters.append(reporter)
        if m is not None:
            # Integer keys: provider ids may repeat, and MinHashLSH.insert raises on a duplicate key.
            self.lsh.insert(key, m, check_duplication=False)
        return complaint, cluster


def run_eval(args):
    source = open(args.input, encoding="utf-8") if args.input else sys.stdin
    with source:
        messages = [json.loads(line) for line in source if line.strip()]
    order = sorted(range(len(messages)), key=lambda i: (received_key(messages[i].get("received_at")), i))
    dedup = Deduplicator(threshold=args.threshold, verify=args.verify)
    labels = [None] * len(messages)
    for i in order:
        message = messages[i]
        labels[i] = dedup.add(str(message.get("id")), message.get("reporter"), message_text(message))
    sink = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    with sink:
        for message, (complaint, cluster) in zip(messages, labels):
            sink.write(json.dumps({"id": message.get("id"), "complaint": complaint, "cluster": cluster}, ensure_ascii=False))
            sink.write("\n")


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def run_stream(args):
    """Throughput: the file is taken in its own order (make_stream.py writes it in received_at order)."""
    dedup = Deduplicator(threshold=args.threshold, verify=args.verify)
    with open(args.stream, encoding="utf-8") as source:
        started = time.perf_counter()
        indexed = 0
        while indexed < args.prior:
            line = source.readline()
            if not line:
                break
            message = json.loads(line)
            dedup.add(str(message["id"]), message.get("reporter"), message_text(message), decide=False)
            indexed += 1
        build_seconds = time.perf_counter() - started
        if args.progress:
            print(f"indexed {indexed} in {build_seconds:.1f} s, peak RSS {peak_rss_mib():.0f} MiB", file=sys.stderr)
        # Read the measured lines first so that file I/O stays out of the timing; JSON decoding stays in.
        lines = []
        while args.limit is None or len(lines) < args.limit:
            line = source.readline()
            if not line:
                break
            lines.append(line)
    dedup.queries = dedup.candidates = 0
    started = time.perf_counter()
    for line in lines:
        message = json.loads(line)
        dedup.add(str(message["id"]), message.get("reporter"), message_text(message))
    seconds = time.perf_counter() - started
    measured = len(lines)
    print(json.dumps({
        "tool": "datasketch",
        "prior": indexed,
        "measured": measured,
        "build_seconds": round(build_seconds, 3),
        "build_msgs_per_sec": round(indexed / build_seconds, 1) if indexed and build_seconds > 0 else None,
        "seconds": round(seconds, 3),
        "msgs_per_sec": round(measured / seconds, 1) if seconds > 0 else None,
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "mean_candidates": round(dedup.candidates / dedup.queries, 1) if dedup.queries else 0,
        "threshold": args.threshold,
        "verify": args.verify,
    }))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", help="messages JSONL (default: stdin)")
    parser.add_argument("--output", help="predictions JSONL (default: stdout)")
    parser.add_argument("--threshold", type=float, default=0.5, help="MinHashLSH threshold T (default 0.5)")
    parser.add_argument("--no-verify", dest="verify", action="store_false",
                        help="take the best LSH candidate even when its estimated Jaccard is below T")
    parser.add_argument("--stream", metavar="FILE", help="throughput mode over FILE instead of eval")
    parser.add_argument("--prior", type=int, default=0, help="stream mode: messages indexed before timing")
    parser.add_argument("--limit", type=int, help="stream mode: at most this many measured messages (default: the rest)")
    parser.add_argument("--progress", action="store_true", help="stream mode: report the index build on stderr")
    args = parser.parse_args(argv)
    if args.stream:
        run_stream(args)
    else:
        run_eval(args)


if __name__ == "__main__":
    main()
