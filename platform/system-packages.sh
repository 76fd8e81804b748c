#!/usr/bin/env bash
# Debian packages `make test` needs that a fresh CI machine may lack: Chromium for the browser
# tests (Playwright drives /usr/bin/chromium), redis-server for the multi-process tests, and the
# PostgreSQL server; xmlsec for SAML. Installs them with apt-get when run as root; otherwise says what is missing.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
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
