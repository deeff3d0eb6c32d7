#!/usr/bin/env python3
"""Signs Vonage webhook parameters as Vonage does, printing them with `timestamp` and `sig` added (JSON).

Usage: vonage_sign.py SECRET METHOD [TIMESTAMP] < parameters.json
METHOD is md5, sha1, sha256 or sha512 (HMACs, computed by the vonage SDK's `Auth.sign_params`), or md5hash:
Vonage's documented plain MD5 of the same text followed by the secret, which SDK 4.x no longer
implements (SDK 3.x did, with these same lines), so it is computed here from the SDK's own signed text.
"""
import hashlib
import json
import sys
import time

from vonage_http_client.auth import Auth


def md5hash(secret, params):
    text = ""
    for key in sorted(params):
        value = params[key]
        if isinstance(value, str):
            value = value.replace("&", "_").replace("=", "_")
        text += f"&{key}={value}"
    return hashlib.md5((text + secret).encode("utf-8")).hexdigest()


def main():
    secret, method = sys.argv[1], sys.argv[2]
    params = json.load(sys.stdin)
    params["timestamp"] = sys.argv[3] if len(sys.argv) > 3 else str(int(time.time()))
    if method == "md5hash":
        params["sig"] = md5hash(secret, params)
    else:
        auth = Auth(api_key="intake-test", signature_secret=secret, signature_method=method)
        params["sig"] = auth.sign_params(params)
    print(json.dumps({key: str(value) for key, value in params.items()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
