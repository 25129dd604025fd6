/* target.c - platforms and the machine pinwheel runs on (see
 * include/pinwheel/target.h). */
#include <string.h>
#include <sys/utsname.h>

#include "pinwheel/jcheck.h"
#include "pinwheel/jpos.h"
#include "pinwheel/target.h"

const struct pw_platform pw_platforms[] = {
    {"manylinux_x86_64", "x86_64", "amd64"},
    {"manylinux_aarch64", "aarch64", "arm64"},
    {"manylinux_i686", "i686", "i386"},
    {"manylinux_ppc64le", "ppc64le", "ppc64el"},
    {"manylinux_s390x", "s390x", "s390x"},
    {"manylinux_armv7l", "armv7l", "armhf"},
    {NULL, NULL, NULL},
};

const struct pw_platform *pw_platform_find(const char *name)
{
	for (const struct pw_platform *p = pw_platforms; p->name; p++)
		if (!strcmp(name, p->name))
			return p;
	return NULL;
}

bool pw_platform_info(const char *name, const char **arch, const char **debian_arch)
{
	const struct pw_platform *p = pw_platform_find(name);

	if (!p)
		return false;
	if (arch)
		*arch = p->arch;
	if (debian_arch)
		*debian_arch = p->debian_arch;
	return true;
}

int pw_platform_check(const struct pw_jcheck *j, const struct pw_jpos *p, const char *field,
		      const char *s)
{
	const char *names[8], *dym;
	size_t n = 0;

	if (pw_platform_find(s))
		return 0;
	for (const struct pw_platform *pl = pw_platforms; pl->name && n < PW_ARRAY_SIZE(names);
	     pl++)
		names[n++] = pl->name;
	dym = pw_did_you_mean(s, names, n);
	if (dym)
		return pw_jcheck_fail(j, p, false, field,
				      "unknown platform '%s' (did you mean '%s'?)", s, dym);
	return pw_jcheck_fail(
	    j, p, false, field,
	    "unknown platform '%s' (expected manylinux_x86_64, manylinux_aarch64, "
	    "manylinux_i686, manylinux_ppc64le, manylinux_s390x or manylinux_armv7l)",
	    s);
}

static const struct {
	const char *machine, *debian;
} host_arches[] = {
    {"x86_64", "amd64"}, {"aarch64", "arm64"},	 {"i686", "i386"},    {"ppc64le", "ppc64el"},
    {"s390x", "s390x"},	 {"riscv64", "riscv64"}, {"armv7l", "armhf"},
};

const char *pw_host_arch(void)
{
	static char machine[sizeof(((struct utsname *)0)->machine)];
	struct utsname u;

	if (!machine[0]) {
		if (uname(&u) < 0) /* cannot fail with a valid buffer */
			return "unknown";
		snprintf(machine, sizeof(machine), "%s", u.machine);
	}
	return machine;
}

const char *pw_host_debian_arch(void)
{
	const char *m = pw_host_arch();

	for (size_t i = 0; i < PW_ARRAY_SIZE(host_arches); i++)
		if (!strcmp(host_arches[i].machine, m))
			return host_arches[i].debian;
	return NULL;
}

bool pw_emulator_needed(const char *arch)
{
	const char *h = pw_host_arch();

	if (!arch || !strcmp(arch, h))
		return false;
	return !(!strcmp(h, "x86_64") && (!strcmp(arch, "i686") || !strcmp(arch, "i386")));
}

bool pw_linux32_needed(const char *arch)
{
	return arch && !strcmp(arch, "i686") && !strcmp(pw_host_arch(), "x86_64");
}

const char *pw_emulator_arch(const char *arch)
{
	if (!strcmp(arch, "i686"))
		return "i386";
	if (!strcmp(arch, "armv7l"))
		return "arm";
	return arch;
}

bool pw_python_is_pypy(const char *version)
{
	return version && !strncmp(version, "pypy", 4);
}

char *pw_python_exe(const char *dir, const char *version)
{
	return pw_xasprintf("%s/%s%s", dir, pw_python_is_pypy(version) ? "" : "python", version);
}

char *pw_python_of_target(const char *id)
{
	const char *p = id, *end = strchr(id, '-');
	bool pypy = !strncmp(p, "pp3", 3), ft;
	size_t n;

	if ((!pypy && strncmp(p, "cp3", 3)) || !end)
		return NULL;
	p += 3;
	n = (size_t)(end - p);
	ft = n && p[n - 1] == 't';
	if (n < 1u + ft || n > 3 || (pypy && ft))
		return NULL;
	for (size_t i = 0; i < n - ft; i++)
		if (p[i] < '0' || p[i] > '9')
			return NULL;
	return pw_xasprintf("%s3.%.*s", pypy ? "pypy" : "", (int)(n), p);
}
