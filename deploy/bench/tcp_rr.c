/*
 * tcp_rr: TCP request/response latency, like netperf's TCP_RR (netperf is not packaged for this machine).
 * One connection, TCP_NODELAY, a SIZE-byte request answered by a SIZE-byte response, one transaction in flight.
 *
 *   tcp_rr server ADDR PORT               serve until killed (one client at a time)
 *   tcp_rr client ADDR PORT SECONDS [SIZE] run for SECONDS (after a 0.5 s warm-up), then print one line of JSON:
 *     {"transactions":N,"seconds":S,"per_second":R,"p50_us":..,"p90_us":..,"p99_us":..,"max_us":..}
 *
 * Built by deploy/bench/dataplane.sh with cc into deploy/bench/.build/ (never shipped).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int full_io(int fd, char *buf, size_t n, int writing) {
    size_t done = 0;
    while (done < n) {
        ssize_t r = writing ? write(fd, buf + done, n - done) : read(fd, buf + done, n - done);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        done += (size_t) r;
    }
    return 0;
}

static int cmp(const void *a, const void *b) {
    float x = *(const float *) a, y = *(const float *) b;
    return x < y ? -1 : x > y;
}

static void addr(struct sockaddr_in *sa, const char *ip, const char *port) {
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((unsigned short) atoi(port));
    if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1) {
        fprintf(stderr, "tcp_rr: '%s' is not an IPv4 address\n", ip);
        exit(2);
    }
}

int main(int argc, char **argv) {
    if (argc < 4 || (strcmp(argv[1], "server") && strcmp(argv[1], "client")) || (!strcmp(argv[1], "client") && argc < 5)) {
        fprintf(stderr, "usage: tcp_rr server ADDR PORT | tcp_rr client ADDR PORT SECONDS [SIZE]\n");
        return 2;
    }
    struct sockaddr_in sa;
    addr(&sa, argv[2], argv[3]);
    int one = 1;
    size_t size = argc > 5 ? (size_t) atoi(argv[5]) : 1;
    if (size < 1 || size > 65536) { fprintf(stderr, "tcp_rr: SIZE must be 1-65536\n"); return 2; }
    char *buf = calloc(1, size);
    if (!strcmp(argv[1], "server")) {
        int ls = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(ls, (struct sockaddr *) &sa, sizeof sa) || listen(ls, 4)) { perror("tcp_rr: bind/listen"); return 1; }
        for (;;) {
            int c = accept(ls, NULL, NULL);
            if (c < 0) continue;
            setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            while (full_io(c, buf, size, 0) == 0 && full_io(c, buf, size, 1) == 0) {}
            close(c);
        }
    }
    double seconds = atof(argv[4]);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    double deadline = now() + 5;
    while (connect(s, (struct sockaddr *) &sa, sizeof sa)) {  /* the server may still be starting */
        if (now() > deadline) { perror("tcp_rr: connect"); return 1; }
        close(s);
        usleep(100000);
        s = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    size_t cap = 1 << 20, n = 0;
    float *lat = malloc(cap * sizeof *lat);
    double warm = now() + 0.5, start = 0, end = 0;
    for (;;) {
        double t0 = now();
        if (full_io(s, buf, size, 1) || full_io(s, buf, size, 0)) { fprintf(stderr, "tcp_rr: connection lost\n"); return 1; }
        double t1 = now();
        if (t1 < warm) continue;
        if (start == 0) start = t0;
        if (n == cap) { cap *= 2; lat = realloc(lat, cap * sizeof *lat); }
        lat[n++] = (float) ((t1 - t0) * 1e6);
        end = t1;
        if (end - start >= seconds) break;
    }
    close(s);
    qsort(lat, n, sizeof *lat, cmp);
#define PCT(p) lat[(size_t) ((n - 1) * (p))]
    printf("{\"transactions\":%zu,\"seconds\":%.3f,\"per_second\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,"
           "\"p99_us\":%.1f,\"max_us\":%.1f}\n", n, end - start, n / (end - start), PCT(0.5), PCT(0.9), PCT(0.99), lat[n - 1]);
    return 0;
}
