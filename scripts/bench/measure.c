/*
 * measure OUT COMMAND [ARG...]: run COMMAND, then write to the file OUT one
 * line "<exit status> <wall seconds> <peak RSS in KiB> <user seconds>
 * <system seconds>" and exit with the command's status (128 + the signal
 * when a signal ended it).  On a shared machine the CPU seconds vary less
 * than the wall time.
 *
 * Why not wait4(2) from the Python that drives the benchmarks: a child's
 * ru_maxrss includes the resident size of the process it was forked from,
 * because exec records the old address space's peak before replacing it.
 * A child of Python holding the benchmark's records starts at Python's
 * size (tried: `true` run from a Python of 214 MB reports 214 MB).  This
 * process is small, so what it reports is the command's own peak.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct rusage usage;
	double start;
	int status, code;
	pid_t pid;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: measure OUT COMMAND [ARG...]\n");
		return 2;
	}
	start = now();
	if ((pid = fork()) < 0) {
		perror("measure: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &usage) < 0) {
		perror("measure: wait4");
		return 1;
	}
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (!(out = fopen(argv[1], "w")) ||
	    fprintf(out, "%d %.6f %ld %.6f %.6f\n", code, now() - start, usage.ru_maxrss,
		    seconds(usage.ru_utime), seconds(usage.ru_stime)) < 0 ||
	    fclose(out) != 0) {
		perror(argv[1]);
		return 1;
	}
	return code;
}
