#!/usr/bin/python3
"""Prints, as one JSON object, what Python's `email` package (policy.default) reads from each message file.

Usage: python_headers.py FILE...   ->   {"<basename>": {"subject", "from_addresses", "from_display", "error"}}

`subject` is the decoded, unfolded Subject (None when absent); `from_addresses` the addr-specs of the From
header's mailboxes; `from_display` the first mailbox's display name (None when it has none); `error` the
exception text when Python could not read a header (the message is still reported).
Used by Tests/IntakeTests/CPythonEmailCorpusTests.swift to compare intake's MIME parser with CPython's.
"""
import email
import email.policy
import json
import os
import sys


def describe(path):
    with open(path, "rb") as handle:
        message = email.message_from_binary_file(handle, policy=email.policy.default)
    entry = {"subject": None, "from_addresses": [], "from_display": None, "defects": [], "error": None}
    try:
        subject = message["subject"]
        entry["subject"] = None if subject is None else str(subject)
    except Exception as error:  # a header Python itself cannot decode
        entry["error"] = f"subject: {error!r}"
    try:
        sender = message["from"]
        if sender is not None:
            mailboxes = [mailbox for group in sender.groups for mailbox in group.addresses]
            entry["from_addresses"] = [mailbox.addr_spec for mailbox in mailboxes]
            if mailboxes and mailboxes[0].display_name:
                entry["from_display"] = mailboxes[0].display_name
            entry["defects"] = [type(defect).__name__ for defect in sender.defects]
    except Exception as error:
        entry["error"] = f"from: {error!r}"
    return entry


def main(paths):
    result = {os.path.basename(path): describe(path) for path in paths}
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
