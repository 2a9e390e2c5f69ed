/*
 * deploy/uml/xstate-shim.c: an LD_PRELOAD for linux.uml (Debian's user-mode-linux 6.1) on hosts whose XSAVE area is
 * larger than the one UML was built for (AVX-512, AMX: 10-11 KB here against UML's 832-byte struct _xstate).
 *
 * UML saves and restores its guest threads' FPU state with ptrace(PTRACE_GETREGSET/SETREGSET, NT_X86_XSTATE) into a
 * fixed buffer. The host kernel truncates a short GETREGSET but refuses a short SETREGSET with EFAULT ("a whole
 * standard-format XSAVE buffer is needed"), so UML dies at boot: "userspace - ptrace set fp regs failed, errno = 14",
 * then "Kernel panic - not syncing: Attempted to kill init!". Later kernels size the buffer from the host.
 *
 * This shim gives the kernel a whole buffer. For each UML buffer address (one per guest thread: it lives in the
 * thread's struct) it keeps the full state of the last GETREGSET; a SETREGSET starts from that copy (or from the
 * tracee's current state if there is none) and lays UML's short buffer over its head. So the state UML knows of
 * (x87/SSE, AVX) is exactly what UML set, and the parts it cannot hold (AVX-512, AMX) follow each thread too.
 * Every other ptrace request goes to libc untouched. UML calls ptrace from one thread only.
 *
 * Build: cc -O2 -shared -fPIC -o xstate-shim.so xstate-shim.c -ldl      (deploy/uml/run.sh does it)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif
#define MAX_XSTATE (64 * 1024)
#define BUCKETS 4096

typedef long (*ptrace_fn)(int, pid_t, void *, void *);

struct saved {
    struct saved *next;
    void *key;          /* UML's buffer address */
    unsigned char state[];
};

static ptrace_fn real_ptrace;
static size_t full_size;   /* the host's NT_X86_XSTATE size, learnt from the first GETREGSET */
static struct saved *table[BUCKETS];

static long call_real(int req, pid_t pid, void *addr, void *data) {
    if (!real_ptrace) {
        real_ptrace = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
    }
    return real_ptrace(req, pid, addr, data);
}

static struct saved *slot(void *key, int create) {
    size_t b = ((uintptr_t)key >> 4) % BUCKETS;
    struct saved *s;
    for (s = table[b]; s; s = s->next) {
        if (s->key == key) {
            return s;
        }
    }
    if (!create) {
        return NULL;
    }
    s = calloc(1, sizeof(*s) + full_size);
    if (!s) {
        return NULL;
    }
    s->key = key;
    s->next = table[b];
    table[b] = s;
    return s;
}

/* Whole state of pid into buf (MAX_XSTATE bytes); sets full_size. */
static long get_full(pid_t pid, unsigned char *buf) {
    struct iovec iov = {buf, MAX_XSTATE};
    long r = call_real(PTRACE_GETREGSET, pid, (void *)(uintptr_t)NT_X86_XSTATE, &iov);
    if (r == 0) {
        full_size = iov.iov_len;
    }
    return r;
}

static long xstate(int req, pid_t pid, struct iovec *uml) {
    static unsigned char scratch[MAX_XSTATE];
    if (req == PTRACE_GETREGSET) {
        long r = get_full(pid, scratch);
        if (r != 0) {
            return r;
        }
        size_t n = uml->iov_len < full_size ? uml->iov_len : full_size;
        memcpy(uml->iov_base, scratch, n);
        uml->iov_len = n;
        struct saved *s = slot(uml->iov_base, 1);
        if (s) {
            memcpy(s->state, scratch, full_size);
        }
        return 0;
    }
    /* PTRACE_SETREGSET */
    if (full_size == 0 && get_full(pid, scratch) != 0) {
        return call_real(req, pid, (void *)(uintptr_t)NT_X86_XSTATE, uml);
    }
    if (uml->iov_len >= full_size) {
        return call_real(req, pid, (void *)(uintptr_t)NT_X86_XSTATE, uml);
    }
    struct saved *s = slot(uml->iov_base, 0);
    if (s) {
        memcpy(scratch, s->state, full_size);
    } else if (get_full(pid, scratch) != 0) {
        return -1;
    }
    memcpy(scratch, uml->iov_base, uml->iov_len);
    struct iovec iov = {scratch, full_size};
    long r = call_real(req, pid, (void *)(uintptr_t)NT_X86_XSTATE, &iov);
    if (r == 0 && s) {
        memcpy(s->state, scratch, full_size);
    }
    return r;
}

long ptrace(enum __ptrace_request request, ...) {
    va_list ap;
    va_start(ap, request);
    pid_t pid = va_arg(ap, pid_t);
    void *addr = va_arg(ap, void *);
    void *data = va_arg(ap, void *);
    va_end(ap);
    int req = (int)request;
    if ((req == PTRACE_GETREGSET || req == PTRACE_SETREGSET) && (uintptr_t)addr == NT_X86_XSTATE && data) {
        int saved_errno = errno;
        long r = xstate(req, pid, (struct iovec *)data);
        if (r == 0) {
            errno = saved_errno;
        }
        return r;
    }
    return call_real(req, pid, addr, data);
}
