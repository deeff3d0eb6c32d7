# Two commands do all set-up on a fresh Debian machine: `make run` and `make test`.
SHELL := /bin/bash

# libetpan-dev pulls the GnuTLS flavour of libcurl's headers, so that is the one used (same curl/curl.h).
SYSTEM_PACKAGES := libsqlite3-dev libcurl4-gnutls-dev libetpan-dev libgnutls28-dev sqlite3 python3 python3-venv curl openssl dovecot-imapd
# What only the tests use: a real headless browser and its WebDriver for the web form's page.
TEST_PACKAGES := chromium chromium-driver fonts-liberation fonts-dejavu-core
BENCH_PACKAGES := wrk luajit
# CPython's own email test messages (test/test_email/data), which the MIME tests and bench compare with: the Debian
# testsuite package of the system python3's version. Recursive (=), so it is computed after `deps` installed python3.
PYTHON_TESTSUITE = $(shell /usr/bin/python3 -c 'import sys;print(f"libpython3.{sys.version_info.minor}-testsuite")')

.PHONY: deps build run test bench fuzz screenshots clean venv

deps:
	@scripts/install-deps.sh $(SYSTEM_PACKAGES)

build: deps
	swift build

## Build and start the gateway on its embedded default: SQLite under ./data, port 8080.
run: build
	.build/debug/intake serve

## The providers' own signing libraries (PyPI twilio, vonage), the SMTP sink (aiosmtpd), and selenium with axe-core for
## the browser tests, in .venv, which the tests use.
VENV := .venv
SIGN_REQUIREMENTS := scripts/sign/requirements.txt
BROWSER_REQUIREMENTS := scripts/browser/requirements.txt

venv: $(VENV)/.installed

$(VENV)/.installed: $(SIGN_REQUIREMENTS) $(BROWSER_REQUIREMENTS)
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -r $(SIGN_REQUIREMENTS) -r $(BROWSER_REQUIREMENTS)
	touch $@

## The whole suite, including the integration tests that start real servers on 127.0.0.1.
test: deps venv
	@scripts/install-deps.sh $(PYTHON_TESTSUITE) $(TEST_PACKAGES)
	swift build --build-tests
	swift test

## Benchmarks (not tests): durable webhooks vs the same server's bare 200; dedup vs datasketch; handoff events/s;
## raw MIME to stored complaint vs Python's email package.
bench: deps
	@scripts/install-deps.sh $(BENCH_PACKAGES) $(PYTHON_TESTSUITE)
	swift build -c release --product intake
	bench/check_hmac.sh
	bench/webhooks.sh .build/release/intake
	bench/dedup.sh .build/release/intake
	bench/handoff.sh .build/release/intake
	bench/mime.sh .build/release/intake
	bench/webform.sh .build/release/intake

## libFuzzer on the MIME parser for SECONDS_TO_RUN (60) seconds, address sanitizer on (not part of `make test`).
fuzz: deps
	@scripts/install-deps.sh $(PYTHON_TESTSUITE)
	Fuzz/mime.sh

## The web form's screenshots in fixtures/webform/ (shown in the README), taken by headless Chromium at phone and desktop width.
screenshots: deps venv
	@scripts/install-deps.sh $(TEST_PACKAGES)
	swift build --product intake
	scripts/browser/screenshots.sh .build/debug/intake fixtures/webform

clean:
	rm -rf .build
