/*
 * Where sanshe keeps keys and the clock (SANSHE_HOME, else ~/.sanshe), and
 * how it gets passphrases: SANSHE_PASSPHRASE, else asked on the terminal
 * with echo off — turned back on whatever happens, a signal included.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define HOME_MAX 4096
#define PASSPHRASE_MAX 1024

const char *cli_home(void)
{
	static char home[HOME_MAX];
	const char *env = getenv("SANSHE_HOME");
	const struct passwd *pw;
	int n;

	if (env && *env) {
		n = snprintf(home, sizeof(home), "%s", env);
	} else {
		env = getenv("HOME");
		if ((!env || !*env) && (pw = getpwuid(getuid())) != NULL)
			env = pw->pw_dir;
		if (!env || !*env) {
			sanshe_error_set(SANSHE_EINVALID, "%s",
					 _("no home directory: set SANSHE_HOME"));
			return NULL;
		}
		n = snprintf(home, sizeof(home), "%s/.sanshe", env);
	}
	if (n < 0 || (size_t)n >= sizeof(home)) {
		sanshe_error_set(SANSHE_EINVALID, "%s", _("the home directory's "
							  "name is too long"));
		return NULL;
	}
	return home;
}

void cli_passphrase_dispose(sanshe_buf *passphrase)
{
	if (passphrase->ptr)
		sodium_memzero(passphrase->ptr, passphrase->asize);
	sanshe_buf_dispose(passphrase);
}

/*
 * While echo is off, a signal that ends the process first restores the
 * terminal.  The saved settings are written before the handlers go in.
 */
static const int guarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static struct sigaction previous[SANSHE_ARRAY_SIZE(guarded_signals)];
static struct termios guard_settings;
static volatile sig_atomic_t guard_fd = -1;

static void restore_and_die(int sig)
{
	if (guard_fd >= 0)
		tcsetattr(guard_fd, TCSANOW, &guard_settings);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void guard_on(int fd, const struct termios *saved)
{
	struct sigaction sa;

	guard_settings = *saved;
	guard_fd = fd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = restore_and_die;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(guarded_signals); i++)
		sigaction(guarded_signals[i], &sa, &previous[i]);
}

static void guard_off(void)
{
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(guarded_signals); i++)
		sigaction(guarded_signals[i], &previous[i], NULL);
	guard_fd = -1;
}

/* One line from the terminal, without its newline. */
static int read_line(int fd, sanshe_buf *out)
{
	char line[PASSPHRASE_MAX];
	size_t len = 0;
	ssize_t n;
	int err = 0;

	while ((n = read(fd, line + len, 1)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || line[len] == '\n')
			break;
		if (++len == sizeof(line)) {
			err = sanshe_error_set(SANSHE_EINVALID, "%s",
					       _("the passphrase is too long"));
			break;
		}
	}
	if (!err && n < 0)
		err = sanshe_error_set_os(SANSHE_EIO, "%s",
					  _("cannot read the passphrase"));
	if (!err && (err = sanshe_buf_grow(out, len)) == 0)
		err = sanshe_buf_put(out, line, len);
	sodium_memzero(line, sizeof(line));
	return err;
}

static int no_passphrase(void)
{
	return sanshe_error_set(SANSHE_EINVALID, "%s",
				_("no passphrase: set SANSHE_PASSPHRASE or run "
				  "sanshe on a terminal"));
}

/*
 * Show `prompt` on the terminal `fd` and read a line without echo.  Echo
 * goes off (flushing what was typed before) ahead of the prompt, so that
 * nothing typed after the prompt is lost.
 */
static int read_hidden(int fd, sanshe_buf *out, const char *prompt)
{
	struct termios saved, quiet;
	int err;

	if (tcgetattr(fd, &saved) != 0)
		return no_passphrase();
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	guard_on(fd, &saved);
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
		err = sanshe_error_set_os(SANSHE_EIO, "%s",
					  _("cannot turn off echo"));
	else if (write(fd, prompt, strlen(prompt)) < 0)
		err = sanshe_error_set_os(SANSHE_EIO, "%s",
					  _("cannot write on the terminal"));
	else
		err = read_line(fd, out);
	tcsetattr(fd, TCSANOW, &saved);
	guard_off();
	if (write(fd, "\n", 1) < 0 && !err)
		err = sanshe_error_set_os(SANSHE_EIO, "%s",
					  _("cannot write on the terminal"));
	return err;
}

static int ask_terminal(sanshe_buf *out, const char *prompt, int confirm)
{
	sanshe_buf again = SANSHE_BUF_INIT;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return no_passphrase();
	err = read_hidden(fd, out, prompt);
	if (!err && confirm &&
	    (err = read_hidden(fd, &again, _("Repeat the passphrase: "))) == 0 &&
	    (again.size != out->size ||
	     sodium_memcmp(again.ptr, out->ptr, out->size) != 0))
		err = sanshe_error_set(SANSHE_EINVALID, "%s",
				       _("the passphrases do not match"));
	cli_passphrase_dispose(&again);
	close(fd);
	return err;
}

int cli_passphrase(sanshe_buf *out, const char *prompt, int confirm)
{
	const char *env = getenv("SANSHE_PASSPHRASE");
	int err;

	if (env) {
		if ((err = sanshe_buf_grow(out, strlen(env))) == 0)
			err = sanshe_buf_puts(out, env);
	} else {
		err = ask_terminal(out, prompt, confirm);
	}
	if (!err && confirm && out->size == 0)
		err = sanshe_error_set(SANSHE_EINVALID, "%s",
				       _("an empty passphrase is not allowed"));
	if (err)
		cli_passphrase_dispose(out);
	return err;
}
