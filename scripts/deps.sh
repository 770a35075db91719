#!/bin/sh
# Install the Debian packages sanshe needs to build and test, if any is missing.
# Idempotent and quiet when everything is already there.
#
#   deps.sh        what make, make test, make demo and make bench need
#   deps.sh fuzz   and what make fuzz needs besides (clang, jq)
set -eu

PACKAGES="gcc make pkg-config libgit2-dev libcjson-dev libsodium-dev libpcre2-dev nettle-dev zlib1g-dev libcmocka-dev git openssh-client python3"
[ "${1:-}" = fuzz ] && PACKAGES="$PACKAGES clang jq"

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
