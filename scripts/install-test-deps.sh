#!/usr/bin/env bash
# Installs and starts what the CI test legs need beyond the Rust toolchain.
# Safe to run again: it only acts on what is missing.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=""
need_package() { # need_package COMMAND PACKAGE
  if ! command -v "$1" >/dev/null 2>&1; then
    if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=yes; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2"
  fi
}

# Chromium and its WebDriver for the real-browser tests (they fail in CI without them).
need_package chromium chromium
need_package chromedriver chromium-driver
# pdftotext and pdftoppm for the invoice PDF tests; xmllint to validate the SEPA XML files.
need_package pdftotext poppler-utils
need_package xmllint libxml2-utils

# PostgreSQL for the second test leg: install if absent, start if down.
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  need_package pg_ctlcluster postgresql
  # A fresh install asks for passwords; the throw-away test server trusts local TCP connections.
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  as_root sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main restart || true
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432
