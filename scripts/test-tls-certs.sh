#!/bin/sh
# Writes throwaway TLS files for the IMAP TLS tests into DIR (never for production):
#   ca.pem / ca.key          a test CA
#   server.pem / server.key  signed by it for DNS localhost and IP 127.0.0.1
#   other.pem / other.key    signed by it for DNS mail.example.org only
# Usage: scripts/test-tls-certs.sh DIR
set -eu
dir=${1:?usage: $0 DIR}
cd "$dir"
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"

# shellcheck disable=SC2086
openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj "/CN=intake test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

leaf() { # name common-name subjectAltName
    # shellcheck disable=SC2086
    openssl req $ec -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$3" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}
leaf server localhost "DNS:localhost,IP:127.0.0.1"
leaf other mail.example.org "DNS:mail.example.org"
chmod 644 ./*.pem ./*.key
