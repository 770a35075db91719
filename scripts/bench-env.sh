# Sourced by the scripts/bench-*.sh scripts, after `set -eu` and a `cd` to
# the project, with $build set: the scratch directory and the environment
# every benchmark runs in (docs/bench.md).
#
#   bench_tool VAR PATH     set VAR to the absolute PATH (under the project),
#                           or stop with a message when it is not built
#   bench_env NAME          make $scratch, /tmp/sanshe-bench-NAME.XXXXXX,
#                           removed at exit, with its own SANSHE_HOME; keys
#                           are unlocked with the "interactive" Argon2id
#                           limits; git reads no configuration but -c options

bench_tool() {
	eval "$1=\$(pwd)/\$2"
	eval "test -x \"\$$1\"" || {
		echo "$(basename "$0" .sh): no $2; run make bench" >&2
		exit 1
	}
}

bench_env() {
	scratch=$(mktemp -d "/tmp/sanshe-bench-$1.XXXXXX")
	trap 'rm -rf "$scratch"' EXIT
	trap 'exit 130' INT TERM
	mkdir "$scratch/home"
	export SANSHE_HOME="$scratch/home"
	export SANSHE_PASSPHRASE="bench passphrase, never use one like it"
	export SANSHE_KDF=interactive
	unset SANSHE_REPO
	export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
}
