#!/usr/bin/env bash
# Debian packages a fresh machine may lack. `make run` (argument `run`) needs the PostgreSQL
# server, xmlsec (SAML single sign-on) and node/npm (the shared solution's editor is built with
# them); `make test` also needs Chromium for the browser tests (Playwright drives
# /usr/bin/chromium) and redis-server for the multi-process tests. Installs them with apt-get when
# run as root; otherwise says what is missing.
set -euo pipefail

missing=()
if [ "${1:-test}" != run ]; then
	[ -x /usr/bin/chromium ] || missing+=(chromium)
	command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
fi
# node and npm build the shared solution's editor (frontend/, `make frontend`) and run its tests.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
# npm installs axe-core for the accessibility tests (tests/browser/axe.py), into var/axe.
command -v npm >/dev/null 2>&1 || missing+=(npm)
# python3-saml signs and checks SAML with xmlsec (single sign-on, mentoring/sso; the test IdP's
# pysaml2 runs the xmlsec1 command); pip builds the xmlsec binding against these when it has
# no wheel for the machine.
command -v xmlsec1 >/dev/null 2>&1 || missing+=(xmlsec1)
[ -e /usr/include/xmlsec1/xmlsec/xmlsec.h ] || missing+=(libxmlsec1-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null &&
	! { command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; }; then
	missing+=(postgresql)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "system-packages: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q "${missing[@]}"
else
	echo "system-packages: warning: missing ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}" >&2
fi
