/* fuzz_wheel_zip.c - the wheel reader on arbitrary bytes: open (central
 * directory, zip64, name checks), read every member into a capped buffer
 * (inflate, size and CRC checks) and the RECORD check.  Also the wheel
 * file name parser on the first line.  Must never crash or leak. */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/sys.h"
#include "pinwheel/wheel.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_wheel_name nm;
	struct pw_wheel w;
	char path[64], name[256];
	size_t i, nl;
	int fd;

	if (size > (1 << 20))
		return 0;
	nl = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
	memcpy(name, data, nl);
	name[nl] = '\0';
	if (pw_wheel_name_parse(name, &nm, &e) == 0) {
		char *s = pw_wheel_name_format(&nm), *d = pw_wheel_distinfo(&nm);
		free(s);
		free(d);
		pw_wheel_name_release(&nm);
	}

	fd = pw_sys_memfd_create("fuzz.whl", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pw_write_all(fd, data, size) < 0) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (pw_wheel_open(path, &w, &e) == 0) {
		struct pw_buf b = PW_BUF_INIT(1 << 20), probs = PW_BUF_INIT(1 << 16);
		for (i = 0; i < w.n && i < 64; i++) {
			pw_buf_reset(&b);
			(void)pw_wheel_read(&w, i, &b, &e);
		}
		(void)pw_wheel_record_check(&w, &probs, &e);
		pw_buf_release(&b);
		pw_buf_release(&probs);
		pw_wheel_close(&w);
	}
	close(fd);
	return 0;
}
