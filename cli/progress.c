/* Progress of a long transfer (progress.h). */
#include "cli.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_init(cli_progress *p, int quiet)
{
	memset(p, 0, sizeof(*p));
	p->on = !quiet && isatty(STDERR_FILENO);
}

/* "12.3 MB" */
static void size_text(char *out, size_t size, double bytes)
{
	static const char *const units[] = { "B", "kB", "MB", "GB" };
	unsigned u = 0;

	while (bytes >= 1000 && u + 1 < sizeof(units) / sizeof(*units)) {
		bytes /= 1000;
		u++;
	}
	snprintf(out, size, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

static void draw(cli_progress *p, double t)
{
	char bytes[32], rate[32];
	double dt = t - p->started;

	size_text(bytes, sizeof(bytes), (double)p->bytes);
	size_text(rate, sizeof(rate), dt > 0 ? (double)p->bytes / dt : 0);
	fprintf(stderr, "\r\033[K%-9s ", _(p->phase));
	if (p->total)
		fprintf(stderr, _("%llu/%llu objects"), (unsigned long long)p->objects,
			(unsigned long long)p->total);
	else
		fprintf(stderr, _("%llu objects"), (unsigned long long)p->objects);
	if (p->bytes)
		fprintf(stderr, _(", %s, %s/s"), bytes, rate);
	fflush(stderr);
	p->drawn = 1;
	p->last = t;
}

void cli_progress_phase(cli_progress *p, const char *phase, uint64_t total)
{
	if (!p || !p->on)
		return;
	if (p->drawn)
		cli_progress_done(p);
	p->phase = phase;
	p->total = total;
	p->objects = p->bytes = 0;
	p->started = now_s();
	draw(p, p->started);
}

void cli_progress_update(cli_progress *p, uint64_t objects, uint64_t bytes)
{
	double t;

	if (!p || !p->on || !p->phase)
		return;
	p->objects = objects;
	p->bytes = bytes;
	t = now_s();
	if (t - p->last >= 0.1)
		draw(p, t);
}

void cli_progress_done(cli_progress *p)
{
	if (!p || !p->on || !p->drawn)
		return;
	draw(p, now_s());
	fputc('\n', stderr);
	p->drawn = 0;
	p->phase = NULL;
}
