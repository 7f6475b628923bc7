/*
 * memhog — the VM suite's test allocator. Built -static so it runs in the
 * busybox container rootfs without any shared library.
 *
 *   memhog [-m MiB] [-s MiB] [-d ms] [-R MiB/s] [-k N -c MiB]
 *          [-r FILE [-n times]] [-H secs] [-q]
 *
 *   -m MiB   anonymous memory to allocate, in steps of -s MiB (default 4),
 *            each page written so it is really charged to the cgroup
 *   -d ms    pause between steps (default 0)
 *   -R MiB/s grow at this rate: after each step, wait until the time the
 *            rate allows for what is allocated so far (measured on the
 *            monotonic clock from the first step, so a slow step is made
 *            up by shorter waits; never faster, slower when the machine is)
 *   -k N     first fork N children that each allocate -c MiB and then
 *            sleep until killed; they show which processes an OOM kill
 *            took (oom.group) — the parent grows largest, so a plain OOM
 *            kill picks it
 *   -r FILE  read FILE -n times (default 1) before allocating: page cache
 *   -H secs  hold the memory that long before exiting (-1: forever)
 *   -q       no per-step progress lines
 *
 * Prints "memhog <pid>: <MiB> MiB" after each step, "memhog <pid>:
 * allocated <MiB> MiB in <ms> ms" once all is allocated (even with -q) and
 * "memhog <pid>: done" at the end, line-buffered so a reader of the log sees
 * progress live.
 * Exit 0 when everything was allocated, 1 on a usage or allocation error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024L * 1024L)

static int quiet;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0)
		;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Allocate mib MiB in steps; every byte written, so every page is resident.
 * rate > 0: no faster than rate MiB/s. */
static int allocate(long mib, long step, long delay_ms, long rate)
{
	long done = 0;
	long start = now_ms();
	while (done < mib) {
		long n = mib - done < step ? mib - done : step;
		char *p = mmap(NULL, (size_t)(n * MIB), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			perror("memhog: mmap");
			return -1;
		}
		memset(p, 0x5a, (size_t)(n * MIB));
		done += n;
		if (!quiet)
			printf("memhog %d: %ld MiB\n", (int)getpid(), done);
		if (delay_ms > 0)
			sleep_ms(delay_ms);
		if (rate > 0) {
			long due = start + done * 1000L / rate;
			long now = now_ms();
			if (due > now)
				sleep_ms(due - now);
		}
	}
	printf("memhog %d: allocated %ld MiB in %ld ms\n", (int)getpid(), done, now_ms() - start);
	return 0;
}

static void hold(long secs)
{
	if (secs < 0)
		for (;;)
			pause();
	if (secs > 0)
		sleep_ms(secs * 1000);
}

static int read_file(const char *path, long times)
{
	static char buf[1 << 16];
	for (long i = 0; i < times; i++) {
		int fd = open(path, O_RDONLY);
		if (fd < 0) {
			perror(path);
			return -1;
		}
		long total = 0;
		ssize_t r;
		while ((r = read(fd, buf, sizeof buf)) > 0)
			total += r;
		close(fd);
		if (!quiet)
			printf("memhog %d: read %ld MiB of %s\n", (int)getpid(),
			       total / MIB, path);
	}
	return 0;
}

int main(int argc, char **argv)
{
	long mib = 0, step = 4, delay_ms = 0, rate = 0, kids = 0, kid_mib = 0;
	long times = 1, hold_s = 0;
	const char *file = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "m:s:d:R:k:c:r:n:H:q")) != -1) {
		switch (opt) {
		case 'm': mib = atol(optarg); break;
		case 's': step = atol(optarg); break;
		case 'd': delay_ms = atol(optarg); break;
		case 'R': rate = atol(optarg); break;
		case 'k': kids = atol(optarg); break;
		case 'c': kid_mib = atol(optarg); break;
		case 'r': file = optarg; break;
		case 'n': times = atol(optarg); break;
		case 'H': hold_s = atol(optarg); break;
		case 'q': quiet = 1; break;
		default:
			fprintf(stderr, "usage: memhog [-m MiB] [-s MiB] [-d ms] "
					"[-R MiB/s] [-k N -c MiB] [-r FILE [-n times]] [-H secs] [-q]\n");
			return 1;
		}
	}
	if (step < 1)
		step = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);

	pid_t pids[64];
	int ready[2];
	if (kids > 64)
		kids = 64;
	if (kids > 0 && pipe(ready) != 0) {
		perror("memhog: pipe");
		return 1;
	}
	for (long i = 0; i < kids; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("memhog: fork");
			return 1;
		}
		if (pid == 0) {
			if (allocate(kid_mib, step, 0, 0) != 0)
				_exit(1);
			printf("memhog %d: child holding %ld MiB\n", (int)getpid(), kid_mib);
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			hold(-1);
		}
		pids[i] = pid;
	}
	/* Wait until every child holds its memory, so all are in place before we grow. */
	for (long i = 0; i < kids; i++) {
		char c;
		if (read(ready[0], &c, 1) != 1) {
			fprintf(stderr, "memhog: a child failed to allocate\n");
			return 1;
		}
	}

	if (file && read_file(file, times) != 0)
		return 1;
	if (allocate(mib, step, delay_ms, rate) != 0)
		return 1;
	hold(hold_s);
	for (long i = 0; i < kids; i++)
		kill(pids[i], SIGTERM);
	printf("memhog %d: done\n", (int)getpid());
	return 0;
}
