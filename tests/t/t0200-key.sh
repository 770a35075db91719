#!/bin/sh
# sanshe key: make keys, list and show them, choose the default, check a
# passphrase; refusals are one line and exit 1, wrong usage exits 2.
. "$SANSHE_TOP/tests/t/lib.sh"

# status CMD...: run CMD with stdout in ./out and stderr in ./err; print
# its exit status.
status() {
	"$@" >out 2>err && echo 0 || echo $?
}

json_ok() {
	python3 -c 'import json,sys; json.load(sys.stdin)'
}

KEYS=$SANSHE_HOME/keys

expect_ok 'a new home lists no keys' '
	test -z "$(sanshe key list)" &&
	test "$(sanshe key list --json)" = "[]"
'

expect_ok 'no default key yet is one line and exit 1' '
	test "$(status sanshe key default)" = 1 && one_line err &&
	grep -q "no key in" err
'

expect_ok 'key new prints the public line and the fingerprint' '
	sanshe key new alice >new.out &&
	test "$(wc -l <new.out)" -eq 2 &&
	sed -n 1p new.out | grep -Eq "^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/]{48} alice$" &&
	sed -n 2p new.out | grep -Eq "^SHA256:[A-Za-z0-9+/]{43}$"
'

expect_ok 'the first key is the default' '
	test "$(sanshe key default)" = alice
'

expect_ok 'key files have private modes' '
	test "$(stat -c %a "$SANSHE_HOME")" = 700 &&
	test "$(stat -c %a "$KEYS")" = 700 &&
	test "$(stat -c %a "$KEYS/alice.key")" = 600 &&
	test "$(stat -c %a "$KEYS/alice.pub")" = 644
'

expect_ok 'the fingerprint is what ssh-keygen -lf prints' '
	ssh-keygen -lf "$KEYS/alice.pub" >keygen.out &&
	test "$(cut -d" " -f2 keygen.out)" = "$(sanshe key show alice | sed -n 2p)" &&
	test "$(cut -d" " -f2 keygen.out)" = "$(sed -n 2p new.out)" &&
	grep -q "^256 SHA256:.* alice (ED25519)$" keygen.out
'

expect_ok 'the .pub file is the public line of key show' '
	test "$(cat "$KEYS/alice.pub")" = "$(sanshe key show alice | sed -n 1p)"
'

expect_ok 'the key file is JSON with an Argon2id-sealed secret' '
	json_ok <"$KEYS/alice.key" &&
	grep -q "\"kdf\":.*\"argon2id13\"" "$KEYS/alice.key"
'

expect_ok 'key list marks the default and sorts by name' '
	sanshe key new bob >/dev/null &&
	sanshe key new Carol >/dev/null &&
	sanshe key list >list.out &&
	test "$(wc -l <list.out)" -eq 3 &&
	test "$(cut -c1-8 list.out | tr -d " " | tr "\n" ,)" = "Carol,*alice,bob," &&
	grep -q "^\* alice  SHA256:" list.out
'

expect_ok 'key list --json parses and marks the default' '
	sanshe key list --json >list.json &&
	json_ok <list.json &&
	python3 -c "
import json
keys = json.load(open(\"list.json\"))
assert [k[\"name\"] for k in keys] == [\"Carol\", \"alice\", \"bob\"], keys
assert [k[\"default\"] for k in keys] == [False, True, False], keys
assert all(k[\"fingerprint\"].startswith(\"SHA256:\") for k in keys)
assert keys[2][\"public\"].startswith(\"ssh-ed25519 AAAA\")
"
'

expect_ok 'key show, new, default and check accept --json' '
	sanshe key show bob --json | json_ok &&
	sanshe key show --json -- bob | json_ok &&
	sanshe key default --json | json_ok &&
	sanshe key check --json | json_ok &&
	sanshe key new dave --json | json_ok &&
	test "$(sanshe key show dave --json | python3 -c "import json,sys; print(json.load(sys.stdin)[\"name\"])")" = dave
'

expect_ok 'key show without a name shows the default key' '
	test "$(sanshe key show)" = "$(sanshe key show alice)"
'

expect_ok 'key default NAME changes the default' '
	sanshe key default bob &&
	test "$(sanshe key default)" = bob &&
	sanshe key list | grep -q "^\* bob "
'

expect_ok 'key default of a missing key is one line, exit 1, no change' '
	test "$(status sanshe key default nobody)" = 1 && one_line err &&
	grep -q "no key .nobody." err &&
	test "$(sanshe key default)" = bob
'

expect_ok 'a second key of the same name is refused and the first kept' '
	cp "$KEYS/alice.key" alice.before &&
	test "$(status sanshe key new alice)" = 1 && one_line err &&
	test "$(cat err)" = "sanshe: key '"'"'alice'"'"' exists already" &&
	cmp alice.before "$KEYS/alice.key"
'

expect_ok 'bad key names are refused in one line' '
	for name in a/b ../evil .hidden -dash "two words" ""; do
		test "$(status sanshe key new -- "$name")" = 1 && one_line err &&
		grep -q "is not a valid key name" err || exit 1
	done &&
	test ! -e "$SANSHE_HOME/evil.key" && test ! -e evil.key &&
	test "$(status sanshe key show ../../etc/passwd)" = 1 && one_line err
'

expect_ok 'a missing key is one line and exit 1' '
	test "$(status sanshe key show nobody)" = 1 && one_line err &&
	grep -q "no key .nobody. in" err &&
	test "$(status sanshe key check nobody)" = 1 && one_line err
'

expect_ok 'key check accepts the right passphrase' '
	sanshe key check alice | grep -q "unlocks key .alice."
'

expect_ok 'a wrong passphrase is one clear line and exit 1' '
	test "$(status env SANSHE_PASSPHRASE=guess "$SANSHE_BIN" key check alice)" = 1 &&
	test "$(cat err)" = "sanshe: wrong passphrase for key '"'"'alice'"'"'" &&
	test ! -s out
'

expect_ok 'an empty passphrase is refused for a new key' '
	test "$(status env SANSHE_PASSPHRASE= "$SANSHE_BIN" key new erin)" = 1 && one_line err &&
	grep -q "empty passphrase" err && test ! -e "$KEYS/erin.key"
'

expect_ok 'without a passphrase or a terminal: one line, exit 1' '
	test "$(env -u SANSHE_PASSPHRASE setsid -w "$SANSHE_BIN" key new erin \
		</dev/null >out 2>err && echo 0 || echo $?)" = 1 &&
	test "$(cat err)" = "sanshe: no passphrase: set SANSHE_PASSPHRASE or run sanshe on a terminal" &&
	test ! -e "$KEYS/erin.key"
'

expect_ok 'SANSHE_KDF must name a cost' '
	test "$(status env SANSHE_KDF=fast "$SANSHE_BIN" key new erin)" = 1 && one_line err &&
	grep -q "SANSHE_KDF" err && test ! -e "$KEYS/erin.key"
'

expect_ok 'without SANSHE_KDF a key is hashed at the moderate cost' '
	(unset SANSHE_KDF; sanshe key new frank >/dev/null) &&
	python3 -c "
import json, sys
k = json.load(open(sys.argv[1]))
assert (k[\"opslimit\"], k[\"memlimit\"]) == (3, 268435456), k
" "$KEYS/frank.key"
'

expect_ok 'a damaged key file is one line naming it, exit 1' '
	echo "{\"version\": 1" >"$KEYS/Carol.key" &&
	test "$(status sanshe key show Carol)" = 1 && one_line err &&
	grep -q "key file .*/keys/Carol.key. is damaged" err &&
	test "$(status sanshe key list)" = 1 && one_line err
'

expect_ok 'wrong usage shows the usage and exits 2' '
	for args in "" "frob" "new" "new a b" "list extra" "show a b" \
		    "show --bogus" "default a b" "check a b" "list --json=x"; do
		# shellcheck disable=SC2086
		test "$(status sanshe key $args)" = 2 &&
		grep -q "^usage: sanshe key new NAME" err || exit 1
	done
'

expect_ok 'help for key exits 0 with examples' '
	sanshe key --help | grep -q "^  sanshe key new" &&
	sanshe key list -h | grep -q "^usage: sanshe key" &&
	sanshe help key | grep -q "^examples:"
'

# The terminal: no echo, two asks for a new key, echo back after ^C.
cat >"$SCRATCH/terminal.py" <<'EOF'
import os, pty, select, signal, sys, termios, time

BIN = os.environ["SANSHE_BIN"]
env = dict(os.environ)
del env["SANSHE_PASSPHRASE"]


def read_some(fd, end):
    """Bytes from the terminal, b"" at its end or after the deadline."""
    ready, _, _ = select.select([fd], [], [], max(0, end - time.time()))
    if not ready:
        return b""
    try:
        return os.read(fd, 1024)
    except OSError:
        return b""


def wait_prompt(fd):
    seen = b""
    end = time.time() + 20
    while not seen.endswith(b": "):
        data = read_some(fd, end)
        if not data:
            break
        seen += data
    return seen


def finish(pid, fd, out):
    end = time.time() + 20
    while True:
        data = read_some(fd, end)
        if not data:
            break
        out += data
    if time.time() >= end:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode()


def run(args, answers, interrupt=False):
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(BIN, [BIN] + args, env)
    out = b""
    for answer in answers:
        out += wait_prompt(fd)
        if interrupt:
            time.sleep(0.2)
            echo_during = termios.tcgetattr(fd)[3] & termios.ECHO
            os.kill(pid, signal.SIGINT)
            os.waitpid(pid, 0)
            echo_after = termios.tcgetattr(fd)[3] & termios.ECHO
            os.close(fd)
            return echo_during, echo_after
        os.write(fd, answer + b"\n")
    return finish(pid, fd, out)


case = sys.argv[1]
if case == "new":
    rc, out = run(["key", "new", "tty"], [b"s3cret pass", b"s3cret pass"])
    assert rc == 0 and "s3cret" not in out and "Repeat" in out, (rc, out)
elif case == "mismatch":
    rc, out = run(["key", "new", "tty2"], [b"one", b"two"])
    assert rc == 1 and "the passphrases do not match" in out, (rc, out)
elif case == "check":
    rc, out = run(["key", "check", "tty"], [b"s3cret pass"])
    assert rc == 0 and "unlocks key 'tty'" in out, (rc, out)
    rc, out = run(["key", "check", "tty"], [b"wrong"])
    assert rc == 1 and "wrong passphrase for key 'tty'" in out, (rc, out)
elif case == "interrupt":
    during, after = run(["key", "check", "tty"], [b""], interrupt=True)
    assert not during and after, (during, after)
EOF

expect_ok 'on a terminal the passphrase is asked twice, without echo' '
	python3 "$SCRATCH/terminal.py" new && test -e "$KEYS/tty.key"
'

expect_ok 'on a terminal two different passphrases are refused' '
	python3 "$SCRATCH/terminal.py" mismatch && test ! -e "$KEYS/tty2.key"
'

expect_ok 'on a terminal a wrong passphrase is refused' '
	python3 "$SCRATCH/terminal.py" check
'

expect_ok 'an interrupt while asking turns echo back on' '
	python3 "$SCRATCH/terminal.py" interrupt
'

done_testing
