#!/bin/sh
# Install the Debian packages sanshe needs to build and test, if any is missing.
# Idempotent and quiet when everything is already there.
#
#   deps.sh        what make, make test, make demo and make bench need
#   deps.sh fuzz   and what make fuzz needs besides (clang, jq)
#   deps.sh bench  and node and npm, for the merge benchmark's peers
#                  (scripts/bench-merge.sh); each only when its command is
#                  missing, as node often comes from elsewhere (NodeSource's
#                  nodejs carries its own npm and conflicts with Debian's)
#   deps.sh browser  and Debian's chromium (about 290 MB), which the scenario
#                  test of verify's HTML report opens headless
set -eu

PACKAGES="gcc make pkg-config libgit2-dev libcjson-dev libsodium-dev libpcre2-dev nettle-dev zlib1g-dev libcmocka-dev git openssh-client python3"
[ "${1:-}" = fuzz ] && PACKAGES="$PACKAGES clang jq"
[ "${1:-}" = browser ] && PACKAGES="$PACKAGES chromium"
if [ "${1:-}" = bench ]; then
	command -v node >/dev/null 2>&1 || PACKAGES="$PACKAGES nodejs"
	command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES npm"
fi

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = "installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "sanshe: installing Debian packages:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
