/* sysprobe - install a compiled seccomp profile on itself, then call
 * syscalls the way flatpak's and bubblewrap's tests do: with a bad fd, a bad
 * pointer or bad flags, so that an allowed call fails with EBADF, EFAULT,
 * EINVAL... and a filtered one with the profile's errno.
 *
 *   sysprobe [--filter PROFILE [--net] [--cache DIR]] [--time N] CASE...
 *   sysprobe [--filter PROFILE] --exec PROGRAM ARGS...
 *
 * prints one line per case, "CASE errno=NAME" ("errno=0" when the call
 * succeeded).  "list" prints every case name.  --time N compiles the profile
 * N times and prints "compile-first-us=X compile-cached-us=Y insns=Z" (the
 * benchmark); "syscall-ns" prints the cost of getppid() under the filter.  --exec runs PROGRAM
 * under the filter (no_new_privs tests). Exit status 0, 2 for a usage or profile error (message on
 * stderr).
 */
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "pinwheel/seccomp.h"

#define BADPTR ((void *)1)
#define X32_BIT 0x40000000L

/* int $0x80 from 64-bit code: the i386 syscall table, with the i386 audit
 * arch as seccomp sees it. */
static long i386_syscall(long nr, long a, long b, long c)
{
#if defined(__x86_64__)
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory", "r8", "r9", "r10", "r11");
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
#else
	(void)nr, (void)a, (void)b, (void)c;
	errno = ENOSYS;
	return -1;
#endif
}

static long p_personality(long v)
{
	long old = syscall(SYS_personality, 0xffffffffUL);
	long r = syscall(SYS_personality, v);

	if (r >= 0 && old >= 0)
		syscall(SYS_personality, old);
	return r < 0 ? -1 : 0;
}

static long p_socket(long family)
{
	/* a bad type: no socket is made when the family is allowed */
	return syscall(SYS_socket, family, 0xfff, 0);
}

static long p_socket_real(long family)
{
	long fd = syscall(SYS_socket, family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd >= 0)
		close((int)fd);
	return fd < 0 ? -1 : 0;
}

/* socketcall(2) through int $0x80, its argument block below 4 GiB (an
 * i386 pointer): the way a 32-bit glibc makes every socket. */
static long *low_block(void)
{
	static long *blk;

	if (!blk) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		blk = p == MAP_FAILED ? NULL : p;
	}
	return blk;
}

static long p_i386_socketcall(int call, unsigned family, unsigned type, bool real)
{
	unsigned *b = (unsigned *)low_block();
	long r;

	if (!b)
		return -1;
	b[0] = family;
	b[1] = type;
	b[2] = 0;
	b[3] = (unsigned)(uintptr_t)(b + 8);
	b[8] = b[9] = (unsigned)-1;
	r = i386_syscall(102, call, (long)(uintptr_t)b, 0);
	if (r < 0 || !real)
		return r < 0 ? -1 : 0;
	if (call == 1) {
		/* a real socket of the family asked for */
		int dom = -1;
		socklen_t l = sizeof(dom);
		int ok = getsockopt((int)r, SOL_SOCKET, SO_DOMAIN, &dom, &l) == 0 &&
			 dom == (int)family;

		close((int)r);
		if (!ok) {
			errno = EBADF;
			return -1;
		}
		return 0;
	}
	/* a working pair, its numbers written where the caller asked */
	{
		int a = (int)b[8], z = (int)b[9];
		char c = 0;
		bool ok = a >= 0 && z >= 0 && write(a, "x", 1) == 1 && read(z, &c, 1) == 1 &&
			  c == 'x';

		if (a >= 0)
			close(a);
		if (z >= 0)
			close(z);
		if (!ok) {
			errno = EBADF;
			return -1;
		}
	}
	return 0;
}

static long p_tty(unsigned long req)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	char c = ' ';
	long r;

	if (fd < 0)
		return -1;
	r = syscall(SYS_ioctl, fd, req, &c);
	close(fd);
	return r < 0 ? -1 : 0;
}

/* PTRACE_ATTACH a process we made: our child, or (from a second child)
 * its sibling.  Everything made here is killed and reaped. */
static long p_ptrace(bool sibling)
{
	pid_t a, b;
	int st, err = 0;
	long r;

	a = fork();
	if (a < 0)
		return -1;
	if (a == 0) {
		pause();
		_exit(0);
	}
	if (!sibling) {
		r = syscall(SYS_ptrace, PTRACE_ATTACH, a, NULL, NULL);
		err = errno;
	} else {
		b = fork();
		if (b == 0) {
			r = syscall(SYS_ptrace, PTRACE_ATTACH, a, NULL, NULL);
			_exit(r == 0 ? 0 : errno);
		}
		r = -1;
		if (b > 0 && waitpid(b, &st, 0) == b && WIFEXITED(st)) {
			err = WEXITSTATUS(st);
			r = err ? -1 : 0;
		}
	}
	kill(a, SIGKILL);
	waitpid(a, &st, 0);
	errno = err;
	return r;
}

/* Things a build could try for real. */
static long p_chmod_suid_real(void)
{
	char path[] = "/tmp/sysprobe-suid.XXXXXX";
	int fd = mkstemp(path), err;
	long r;

	if (fd < 0)
		return -1;
	close(fd);
	r = syscall(SYS_chmod, path, 04755);
	err = errno;
	unlink(path);
	errno = err;
	return r;
}

static long p_mount_tmpfs(void)
{
	char dir[] = "/tmp/sysprobe-mnt.XXXXXX";
	long r;
	int err;

	if (!mkdtemp(dir))
		return -1;
	r = syscall(SYS_mount, "none", dir, "tmpfs", 0, NULL);
	err = errno;
	if (r == 0)
		umount2(dir, MNT_DETACH);
	rmdir(dir);
	errno = err;
	return r;
}

static long p_child_unshare(unsigned long flags)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(syscall(SYS_unshare, flags) == 0 ? 0 : errno);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	errno = WEXITSTATUS(st);
	return errno ? -1 : 0;
}

#define CL(f) (syscall(SYS_clone, (unsigned long)(f) | CLONE_SIGHAND, NULL, NULL, NULL, 0))

static long probe(const char *c)
{
	/* processes */
	if (!strcmp(c, "ptrace"))
		return syscall(SYS_ptrace, 3 /* PEEKUSER */, 0x7ffffff0, 0, 0);
	if (!strcmp(c, "process_vm_readv"))
		return syscall(SYS_process_vm_readv, getpid(), BADPTR, 1, BADPTR, 1, 0);
	if (!strcmp(c, "process_vm_writev"))
		return syscall(SYS_process_vm_writev, getpid(), BADPTR, 1, BADPTR, 1, 0);
	/* kernel code */
	if (!strcmp(c, "kexec_load"))
		return syscall(SYS_kexec_load, 0, 0, NULL, 0xdead0000UL);
	if (!strcmp(c, "kexec_file_load"))
		return syscall(SYS_kexec_file_load, -1, -1, 0, NULL, 0xdead0000UL);
	if (!strcmp(c, "init_module"))
		return syscall(SYS_init_module, BADPTR, 0, BADPTR);
	if (!strcmp(c, "finit_module"))
		return syscall(SYS_finit_module, -1, BADPTR, 0);
	if (!strcmp(c, "delete_module"))
		return syscall(SYS_delete_module, BADPTR, 0);
	if (!strcmp(c, "bpf"))
		return syscall(SYS_bpf, 0x7fff, BADPTR, 0);
	if (!strcmp(c, "perf_event_open"))
		return syscall(SYS_perf_event_open, BADPTR, 0, -1, -1, 0);
	if (!strcmp(c, "userfaultfd"))
		return syscall(SYS_userfaultfd, 1 | 0x40000000);
	/* keyring */
	if (!strcmp(c, "keyctl"))
		return syscall(SYS_keyctl, 0x7fffffff, 0, 0, 0, 0);
	if (!strcmp(c, "add_key"))
		return syscall(SYS_add_key, BADPTR, BADPTR, NULL, 0, 0);
	if (!strcmp(c, "request_key"))
		return syscall(SYS_request_key, BADPTR, BADPTR, NULL, 0);
	/* mounts and namespaces */
	if (!strcmp(c, "mount"))
		return syscall(SYS_mount, BADPTR, BADPTR, BADPTR, 0, NULL);
	if (!strcmp(c, "umount2"))
		return syscall(SYS_umount2, BADPTR, 0);
	if (!strcmp(c, "pivot_root"))
		return syscall(SYS_pivot_root, BADPTR, BADPTR);
	if (!strcmp(c, "chroot"))
		return syscall(SYS_chroot, BADPTR);
	if (!strcmp(c, "unshare"))
		return syscall(SYS_unshare, 0x1 /* invalid */);
	if (!strcmp(c, "setns"))
		return syscall(SYS_setns, -1, 0);
	/* CLONE_SIGHAND without CLONE_VM: EINVAL before any process is made */
	if (!strcmp(c, "clone-plain"))
		return CL(0);
	if (!strcmp(c, "clone-newns"))
		return CL(CLONE_NEWNS);
	if (!strcmp(c, "clone-newuser"))
		return CL(CLONE_NEWUSER);
	if (!strcmp(c, "clone-newpid"))
		return CL(CLONE_NEWPID);
	if (!strcmp(c, "clone-newnet"))
		return CL(CLONE_NEWNET);
	if (!strcmp(c, "clone-newuts"))
		return CL(CLONE_NEWUTS);
	if (!strcmp(c, "clone-newipc"))
		return CL(CLONE_NEWIPC);
	if (!strcmp(c, "clone-newcgroup"))
		return CL(CLONE_NEWCGROUP);
	if (!strcmp(c, "clone3"))
		return syscall(SYS_clone3, NULL, 0);
	if (!strcmp(c, "personality-query"))
		return p_personality(0xffffffffL);
	if (!strcmp(c, "personality-linux"))
		return p_personality(PER_LINUX);
	if (!strcmp(c, "personality-linux32"))
		return p_personality(PER_LINUX32);
	if (!strcmp(c, "personality-bsd"))
		return p_personality(PER_BSD);
	if (!strcmp(c, "personality-norandom"))
		return p_personality(PER_LINUX | ADDR_NO_RANDOMIZE);
	/* terminals */
	if (!strcmp(c, "ioctl-tcgets"))
		return syscall(SYS_ioctl, -1, TCGETS, BADPTR);
	if (!strcmp(c, "ioctl-tiocsti"))
		return syscall(SYS_ioctl, -1, TIOCSTI, BADPTR);
	if (!strcmp(c, "ioctl-tiocsti-hi"))
		return syscall(SYS_ioctl, -1, 0x100000000UL | TIOCSTI, BADPTR);
	if (!strcmp(c, "ioctl-tioclinux"))
		return syscall(SYS_ioctl, -1, 0x541C, BADPTR);
	if (!strcmp(c, "tty-tiocsti"))
		return p_tty(TIOCSTI);
	if (!strcmp(c, "fd0-tiocsti")) {
		char ch = ' ';

		return syscall(SYS_ioctl, 0, TIOCSTI, &ch);
	}
	if (!strcmp(c, "own-session")) {
		if (getsid(0) == getpid())
			return 0;
		errno = EPERM;
		return -1;
	}
	/* for real, inside the sandbox */
	if (!strcmp(c, "ptrace-child"))
		return p_ptrace(false);
	if (!strcmp(c, "ptrace-sibling"))
		return p_ptrace(true);
	if (!strcmp(c, "mount-tmpfs"))
		return p_mount_tmpfs();
	if (!strcmp(c, "unshare-user"))
		return p_child_unshare(CLONE_NEWUSER);
	if (!strcmp(c, "unshare-mount"))
		return p_child_unshare(CLONE_NEWNS);
	if (!strcmp(c, "chmod-suid-real"))
		return p_chmod_suid_real();
	if (!strcmp(c, "no_new_privs")) {
		if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
			return 0;
		errno = EPERM;
		return -1;
	}
	/* host administration */
	if (!strcmp(c, "acct"))
		return syscall(SYS_acct, BADPTR);
	if (!strcmp(c, "swapon"))
		return syscall(SYS_swapon, BADPTR, 0);
	if (!strcmp(c, "swapoff"))
		return syscall(SYS_swapoff, BADPTR);
	if (!strcmp(c, "reboot"))
		return syscall(SYS_reboot, 0, 0, 0, NULL);
	if (!strcmp(c, "settimeofday"))
		return syscall(SYS_settimeofday, BADPTR, NULL);
	if (!strcmp(c, "clock_settime"))
		return syscall(SYS_clock_settime, CLOCK_REALTIME, BADPTR);
	if (!strcmp(c, "clock_adjtime"))
		return syscall(SYS_clock_adjtime, CLOCK_REALTIME, BADPTR);
	if (!strcmp(c, "adjtimex"))
		return syscall(SYS_adjtimex, BADPTR);
	if (!strcmp(c, "syslog"))
		return syscall(SYS_syslog, 3, NULL, -1);
	if (!strcmp(c, "quotactl"))
		return syscall(SYS_quotactl, 0, NULL, 0, NULL);
	if (!strcmp(c, "sethostname"))
		return syscall(SYS_sethostname, BADPTR, 1);
	if (!strcmp(c, "setdomainname"))
		return syscall(SYS_setdomainname, BADPTR, 1);
	if (!strcmp(c, "name_to_handle_at"))
		return syscall(SYS_name_to_handle_at, -1, BADPTR, BADPTR, BADPTR, 0);
	if (!strcmp(c, "open_by_handle_at"))
		return syscall(SYS_open_by_handle_at, -1, BADPTR, 0);
	if (!strcmp(c, "lookup_dcookie"))
		return syscall(SYS_lookup_dcookie, 0, BADPTR, 0);
	if (!strcmp(c, "iopl"))
		return syscall(SYS_iopl, 4);
	if (!strcmp(c, "ioperm"))
		return syscall(SYS_ioperm, 0xffffffffUL, 1, 1);
	if (!strcmp(c, "uselib"))
		return syscall(SYS_uselib, BADPTR);
	/* setuid outputs */
	if (!strcmp(c, "chmod-plain"))
		return syscall(SYS_chmod, "/proc/self/pw-nonexistent", 0755);
	if (!strcmp(c, "chmod-suid"))
		return syscall(SYS_chmod, "/proc/self/pw-nonexistent", 04755);
	if (!strcmp(c, "chmod-sgid"))
		return syscall(SYS_chmod, "/proc/self/pw-nonexistent", 02755);
	if (!strcmp(c, "fchmod-plain"))
		return syscall(SYS_fchmod, -1, 0755);
	if (!strcmp(c, "fchmod-suid"))
		return syscall(SYS_fchmod, -1, 04755);
	if (!strcmp(c, "fchmodat-plain"))
		return syscall(SYS_fchmodat, AT_FDCWD, "/proc/self/pw-nonexistent", 0644);
	if (!strcmp(c, "fchmodat-sgid"))
		return syscall(SYS_fchmodat, AT_FDCWD, "/proc/self/pw-nonexistent", 02755);
	if (!strcmp(c, "fchmodat2-suid"))
		return syscall(452, -1, "", 04755, 0);
	/* ENOSYS group */
	if (!strcmp(c, "open_tree"))
		return syscall(SYS_open_tree, -1, BADPTR, 0);
	if (!strcmp(c, "move_mount"))
		return syscall(SYS_move_mount, -1, BADPTR, -1, BADPTR, 0);
	if (!strcmp(c, "fsopen"))
		return syscall(SYS_fsopen, BADPTR, 0);
	if (!strcmp(c, "fsconfig"))
		return syscall(SYS_fsconfig, -1, 0, NULL, NULL, 0);
	if (!strcmp(c, "fsmount"))
		return syscall(SYS_fsmount, -1, 0, 0);
	if (!strcmp(c, "fspick"))
		return syscall(SYS_fspick, -1, BADPTR, 0);
	if (!strcmp(c, "mount_setattr"))
		return syscall(SYS_mount_setattr, -1, BADPTR, 0, NULL, 0);
	if (!strcmp(c, "io_uring_setup"))
		return syscall(SYS_io_uring_setup, 1, BADPTR);
	if (!strcmp(c, "io_uring_enter"))
		return syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0);
	if (!strcmp(c, "io_uring_register"))
		return syscall(SYS_io_uring_register, -1, 0, NULL, 0);
	/* sockets */
	if (!strcmp(c, "socket-unix"))
		return p_socket(AF_UNIX);
	if (!strcmp(c, "socket-netlink"))
		return p_socket(AF_NETLINK);
	if (!strcmp(c, "socket-inet"))
		return p_socket(AF_INET);
	if (!strcmp(c, "socket-inet6"))
		return p_socket(AF_INET6);
	if (!strcmp(c, "socket-packet"))
		return p_socket(AF_PACKET);
	if (!strcmp(c, "socket-vsock"))
		return p_socket(AF_VSOCK);
	if (!strcmp(c, "socket-unspec"))
		return p_socket(AF_UNSPEC);
	if (!strcmp(c, "socket-hi-inet"))
		return p_socket(0x100000000L | AF_INET);
	if (!strcmp(c, "socket-hi-unix"))
		return p_socket(0x100000000L | AF_UNIX);
	if (!strcmp(c, "socket-inet-real"))
		return p_socket_real(AF_INET);
	if (!strcmp(c, "socket-unix-real"))
		return p_socket_real(AF_UNIX);
	if (!strcmp(c, "socketpair-inet")) {
		int sv[2];

		return syscall(SYS_socketpair, AF_INET, 0xfff, 0, sv);
	}
	if (!strcmp(c, "socketpair-vsock")) {
		int sv[2];

		return syscall(SYS_socketpair, AF_VSOCK, 0xfff, 0, sv);
	}
	/* everyday calls that must keep working */
	if (!strcmp(c, "getpid"))
		return syscall(SYS_getpid) > 0 ? 0 : -1;
	if (!strcmp(c, "read-badfd"))
		return syscall(SYS_read, -1, BADPTR, 1);
	if (!strcmp(c, "euid-root")) {
		if (geteuid() == 0)
			return 0;
		errno = EPERM;
		return -1;
	}
	/* the i386 ABI through int $0x80 (i386 numbers) */
	if (!strcmp(c, "i386-getpid"))
		return i386_syscall(20, 0, 0, 0) > 0 ? 0 : -1;
	if (!strcmp(c, "i386-keyctl"))
		return i386_syscall(288, 0x7fffffff, 0, 0);
	if (!strcmp(c, "i386-ptrace"))
		return i386_syscall(26, 3, 0x7ffffff0, 0);
	if (!strcmp(c, "i386-reboot"))
		return i386_syscall(88, 0, 0, 0);
	if (!strcmp(c, "i386-unshare"))
		return i386_syscall(310, 1, 0, 0);
	if (!strcmp(c, "i386-clone3"))
		return i386_syscall(435, 0, 0, 0);
	if (!strcmp(c, "i386-chmod-suid"))
		return i386_syscall(15, 0x10, 04755, 0);
	/* i386 sockets: the direct calls (bad type: an allowed family gets
	 * EINVAL from the kernel) and socketcall(SYS_SOCKET / SYS_SOCKETPAIR) */
	if (!strcmp(c, "i386-socket-vsock"))
		return i386_syscall(359, AF_VSOCK, 0xfff, 0);
	if (!strcmp(c, "i386-socket-unix"))
		return i386_syscall(359, AF_UNIX, 0xfff, 0);
	if (!strcmp(c, "i386-socketpair-inet"))
		return i386_syscall(360, AF_INET, 0xfff, 0);
	if (!strcmp(c, "i386-socketcall-vsock"))
		return p_i386_socketcall(1, AF_VSOCK, 0xfff, false);
	if (!strcmp(c, "i386-socketcall-inet"))
		return p_i386_socketcall(1, AF_INET, 0xfff, false);
	if (!strcmp(c, "i386-socketcall-unix"))
		return p_i386_socketcall(1, AF_UNIX, 0xfff, false);
	if (!strcmp(c, "i386-socketcall-vsock-real"))
		return p_i386_socketcall(1, AF_VSOCK, SOCK_STREAM, true);
	if (!strcmp(c, "i386-socketcall-unix-real"))
		return p_i386_socketcall(1, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, true);
	if (!strcmp(c, "i386-socketcall-pair-inet"))
		return p_i386_socketcall(8, AF_INET, SOCK_STREAM, false);
	if (!strcmp(c, "i386-socketcall-pair-unix-real"))
		return p_i386_socketcall(8, AF_UNIX, SOCK_STREAM, true);
	/* the x32 ABI: x86_64 instruction, number | __X32_SYSCALL_BIT */
	if (!strcmp(c, "x32-getpid"))
		return syscall(X32_BIT | 39) > 0 ? 0 : -1;
	if (!strcmp(c, "x32-keyctl"))
		return syscall(X32_BIT | 250, 0x7fffffff, 0, 0, 0, 0);
	if (!strcmp(c, "x32-ptrace"))
		return syscall(X32_BIT | 521, 3, 0x7ffffff0, 0, 0);
	if (!strcmp(c, "x32-unshare"))
		return syscall(X32_BIT | 272, 1);
	if (!strcmp(c, "x32-bpf"))
		return syscall(X32_BIT | 321, 0x7fff, BADPTR, 0);
	errno = 0;
	return -2;
}

static const char *const all_cases[] = {
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "keyctl",
    "add_key",
    "request_key",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "clone-plain",
    "clone-newns",
    "clone-newuser",
    "clone-newpid",
    "clone-newnet",
    "clone-newuts",
    "clone-newipc",
    "clone-newcgroup",
    "clone3",
    "personality-query",
    "personality-linux",
    "personality-linux32",
    "personality-bsd",
    "personality-norandom",
    "ioctl-tcgets",
    "ioctl-tiocsti",
    "ioctl-tiocsti-hi",
    "ioctl-tioclinux",
    "tty-tiocsti",
    "fd0-tiocsti",
    "own-session",
    "acct",
    "swapon",
    "swapoff",
    "reboot",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "syslog",
    "quotactl",
    "sethostname",
    "setdomainname",
    "name_to_handle_at",
    "open_by_handle_at",
    "lookup_dcookie",
    "iopl",
    "ioperm",
    "uselib",
    "chmod-plain",
    "chmod-suid",
    "chmod-sgid",
    "fchmod-plain",
    "fchmod-suid",
    "fchmodat-plain",
    "fchmodat-sgid",
    "fchmodat2-suid",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "socket-unix",
    "socket-netlink",
    "socket-inet",
    "socket-inet6",
    "socket-packet",
    "socket-vsock",
    "socket-unspec",
    "socket-hi-inet",
    "socket-hi-unix",
    "socket-inet-real",
    "socket-unix-real",
    "socketpair-inet",
    "socketpair-vsock",
    "getpid",
    "read-badfd",
    "euid-root",
    "i386-getpid",
    "i386-socket-vsock",
    "i386-socket-unix",
    "i386-socketpair-inet",
    "i386-socketcall-vsock",
    "i386-socketcall-inet",
    "i386-socketcall-unix",
    "i386-socketcall-vsock-real",
    "i386-socketcall-unix-real",
    "i386-socketcall-pair-inet",
    "i386-socketcall-pair-unix-real",
    "i386-keyctl",
    "i386-ptrace",
    "i386-reboot",
    "i386-unshare",
    "i386-clone3",
    "i386-chmod-suid",
    "x32-getpid",
    "x32-keyctl",
    "x32-ptrace",
    "x32-unshare",
    "x32-bpf",
    "ptrace-child",
    "ptrace-sibling",
    "mount-tmpfs",
    "unshare-user",
    "unshare-mount",
    "chmod-suid-real",
    "no_new_privs",
};

/* Under ASan: LeakSanitizer's exit check stops the world with ptrace, which
 * the filter denies.  Check for leaks before installing the filter, and not
 * at all when started under one (pinwheel run). */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return syscall(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0) == 2 ? "detect_leaks=0" : "";
}
extern void __lsan_do_leak_check(void) __attribute__((weak));

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int bench(const char *profile, const struct pw_seccomp_opts *o, long n)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_seccomp_prog *p;
	double t0, first, cached;
	size_t insns;

	t0 = now_us();
	p = pw_seccomp_compile(profile, o, &e);
	first = now_us() - t0;
	if (!p) {
		fprintf(stderr, "sysprobe: %s\n", e.msg);
		return 2;
	}
	pw_seccomp_prog_insns(p, &insns);
	pw_seccomp_prog_free(p);
	t0 = now_us();
	for (long i = 0; i < n; i++) {
		p = pw_seccomp_compile(profile, o, &e);
		if (!p)
			return 2;
		pw_seccomp_prog_free(p);
	}
	cached = (now_us() - t0) / (double)n;
	printf("compile-first-us=%.0f compile-cached-us=%.1f insns=%zu\n", first, cached, insns);
	return 0;
}

int main(int argc, char **argv)
{
	struct pw_seccomp_opts o = {.allow_net = false, .cache_dir = NULL};
	const char *filter = NULL;
	bool exec = false;
	long timing = 0;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--filter") && i + 1 < argc)
			filter = argv[++i];
		else if (!strcmp(argv[i], "--net"))
			o.allow_net = true;
		else if (!strcmp(argv[i], "--cache") && i + 1 < argc)
			o.cache_dir = argv[++i];
		else if (!strcmp(argv[i], "--exec"))
			exec = true;
		else if (!strcmp(argv[i], "--time") && i + 1 < argc)
			timing = strtol(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: sysprobe [--filter PROFILE [--net] [--cache DIR]] "
					"[--time N] CASE...\n");
			return 2;
		}
	}
	if (timing > 0)
		return bench(filter ? filter : "build", &o, timing);
	if (i < argc && !strcmp(argv[i], "list")) {
		for (size_t k = 0; k < PW_ARRAY_SIZE(all_cases); k++)
			printf("%s\n", all_cases[k]);
		return 0;
	}
	if (filter) {
		struct pw_err e = PW_ERR_INIT;
		struct pw_seccomp_prog *p = pw_seccomp_compile(filter, &o, &e);
		int r;
		if (!p) {
			fprintf(stderr, "sysprobe: %s\n", e.msg);
			return 2;
		}
		if (__lsan_do_leak_check)
			__lsan_do_leak_check();
		r = pw_seccomp_install(p);
		pw_seccomp_prog_free(p);
		if (r < 0) {
			fprintf(stderr, "sysprobe: could not install the filter: %s\n",
				strerror(-r));
			return 2;
		}
	}
	if (i < argc && !strcmp(argv[i], "syscall-ns")) {
		/* cost of one cheap syscall under the installed filter (if any) */
		double t0 = now_us();
		for (long k = 0; k < 1000000; k++)
			syscall(SYS_getppid);
		printf("syscall-ns=%.1f\n", (now_us() - t0) / 1e3);
		return 0;
	}
	if (exec) {
		if (i == argc)
			return 2;
		execv(argv[i], argv + i);
		fprintf(stderr, "sysprobe: could not run '%s': %s\n", argv[i], strerror(errno));
		return 2;
	}
	for (; i < argc; i++) {
		long r;
		errno = 0;
		r = probe(argv[i]);
		if (r == -2 && errno == 0) {
			fprintf(stderr, "sysprobe: unknown case '%s'\n", argv[i]);
			return 2;
		}
		printf("%s errno=%s\n", argv[i], r < 0 ? strerrorname_np(errno) : "0");
		fflush(stdout);
	}
	return 0;
}
