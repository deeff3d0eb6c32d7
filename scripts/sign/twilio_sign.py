#!/usr/bin/env python3
"""Prints the X-Twilio-Signature Twilio's own library computes for a webhook request.

Usage: twilio_sign.py AUTH_TOKEN URL < form-encoded-body
The body is decoded as Twilio's helpers (Flask, Django) decode it: every name with all its values.
"""
import sys
from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator


class MultiValues(dict):
    """A name -> [values] mapping offering `getall`, as RequestValidator expects of a multi-dict."""

    def getall(self, name):
        return self[name]


def main():
    token, url = sys.argv[1], sys.argv[2]
    body = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    params = MultiValues()
    for name, value in parse_qsl(body, keep_blank_values=True, errors="replace"):
        params.setdefault(name, []).append(value)
    print(RequestValidator(token).compute_signature(url, params))


if __name__ == "__main__":
    main()
