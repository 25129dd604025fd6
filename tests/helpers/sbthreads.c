/* sbthreads - several sandboxes at once from several threads of one
 * process (what `build --jobs` will do), for tests/t2007-run-threads.sh.
 *
 *   sbthreads THREADS ROUNDS
 *
 * Each thread runs ROUNDS sandboxes of `/bin/sh -c 'exit K'` (the host's
 * /usr bound read-only, no seccomp filter: the point is the process
 * structure) with its own K, and checks the status it gets back.  Prints
 * one line per thread, "thread N: ROUNDS ok" or what went wrong, and
 * exits 0 only when every run returned its own status. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pinwheel/sandbox.h"

struct job {
	int n, rounds, ok;
	char why[600];
};

static void *run(void *arg)
{
	struct job *j = arg;

	for (int i = 0; i < j->rounds; i++) {
		struct pw_sandbox_spec s;
		struct pw_sandbox_result res;
		struct pw_err e = PW_ERR_INIT;
		char sh[] = "/bin/sh", c[] = "-c", script[64];
		char *argv[] = {sh, c, script, NULL};
		int want = (j->n * 7 + i) % 100, r;

		snprintf(script, sizeof(script), "exit %d", want);
		pw_sandbox_spec_init(&s);
		if (pw_sandbox_spec_add_bind(&s, PW_BIND_RO, "/usr:/usr", &e) < 0 ||
		    pw_sandbox_spec_add_bind(&s, PW_BIND_SYMLINK, "usr/bin:/bin", &e) < 0 ||
		    pw_sandbox_spec_add_bind(&s, PW_BIND_SYMLINK, "usr/lib:/lib", &e) < 0 ||
		    pw_sandbox_spec_add_bind(&s, PW_BIND_SYMLINK, "usr/lib64:/lib64", &e) < 0) {
			snprintf(j->why, sizeof(j->why), "spec: %s", e.msg);
			pw_sandbox_spec_release(&s);
			return NULL;
		}
		r = pw_sandbox_run(&s, argv, &res, &e);
		pw_sandbox_spec_release(&s);
		if (r < 0) {
			snprintf(j->why, sizeof(j->why), "run %d: %s", i, e.msg);
			return NULL;
		}
		if (!res.exited || res.exit_code != want) {
			snprintf(j->why, sizeof(j->why), "run %d: status %d, want %d", i,
				 res.status, want);
			return NULL;
		}
		j->ok++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n, rounds, bad = 0;
	struct job *jobs;
	pthread_t *t;

	if (argc != 3 || (n = atoi(argv[1])) < 1 || (rounds = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: sbthreads THREADS ROUNDS\n");
		return 2;
	}
	jobs = calloc((size_t)n, sizeof(*jobs));
	t = calloc((size_t)n, sizeof(*t));
	if (!jobs || !t)
		return 2;
	for (int i = 0; i < n; i++) {
		jobs[i].n = i;
		jobs[i].rounds = rounds;
		if (pthread_create(&t[i], NULL, run, &jobs[i]) != 0) {
			fprintf(stderr, "sbthreads: pthread_create failed\n");
			return 2;
		}
	}
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		if (jobs[i].ok == rounds) {
			printf("thread %d: %d ok\n", i, rounds);
		} else {
			printf("thread %d: %s\n", i, jobs[i].why);
			bad = 1;
		}
	}
	free(jobs);
	free(t);
	return bad;
}
