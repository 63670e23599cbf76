/*
 * Upload: a 20 MB document sent through the call path (sendDocument of a
 * path, streamed as multipart by libcurl's mime API) to the emulator,
 * against `curl -F document=@FILE` sending the same file to the same
 * emulator (curl's own time_total, so its process start is not counted).
 * Targets: MB/s at least 0.8x curl's, and the sending process's peak RSS
 * less than 2 MB above its baseline (the file is streamed, never read
 * whole into memory).
 *
 * Each call-path upload runs in a fresh child process: it makes a client,
 * warms it up with a small upload (libraries touched, connection open),
 * notes its RSS, resets the kernel's peak (/proc/self/clear_refs) and
 * then uploads the big file; the peak after it, less the RSS before, is
 * the growth. The emulator is reset between uploads (it keeps every
 * file's bytes). The median of 5 runs of each, in turns, the first of a
 * turn alternating (1 with --quick, with a 2 MB file).
 *
 *   bench_upload [--quick]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "emu_util.h"
#include "util.h"

#define TOKEN "4545:UPLOAD"
#define CHAT 1
#define RUNS 5

/* Writes size pseudo-random bytes to path. Returns 0 or -1. */
static int make_file(const char *path, size_t size)
{
    FILE *f = fopen(path, "wb");
    uint64_t s = 0x2545f4914f6cdd1dULL;
    char buf[65536];
    if (!f)
        return -1;
    for (size_t done = 0; done < size;) {
        size_t n = size - done < sizeof buf ? size - done : sizeof buf;
        for (size_t i = 0; i + 8 <= n; i += 8) {
            uint64_t v = bh_bench_rand(&s);
            memcpy(buf + i, &v, 8);
        }
        if (fwrite(buf, 1, n, f) != n)
            break;
        done += n;
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* An empty world with the chat a user wrote in. */
static int fresh_chat(bh_bench_emu *e)
{
    char body[96];
    snprintf(body, sizeof body, "{\"chat_id\":%d,\"user_id\":%d,\"text\":\"hi\"}", CHAT, CHAT);
    return bh_bench_emu_post(e, "/control/reset", NULL, NULL) == 200 &&
                   bh_bench_emu_post(e, "/control/message", body, NULL) == 200
               ? 0
               : -1;
}

/* What a call-path child reports. */
typedef struct upload_run {
    double secs;
    int64_t growth_kib;
} upload_run;

/* In the child: the warm-up, then the timed upload of big. */
static int child_upload(const char *url, const char *small, const char *big, upload_run *out)
{
    bh_client *cl;
    bh_input_file warm = bh_file_path(small), f = bh_file_path(big);
    int fd;
    if (bh_client_new(&cl, TOKEN, url, NULL) != BH_OK ||
        bh_client_send_document(cl, CHAT, &warm, NULL, NULL, NULL) != BH_OK)
        return -1;
    int64_t rss = bh_bench_proc_kib("VmRSS:");
    if ((fd = open("/proc/self/clear_refs", O_WRONLY)) < 0 || write(fd, "5", 1) != 1)
        return -1;
    close(fd);
    uint64_t t0 = bh_bench_now_ns();
    int rc = bh_client_send_document(cl, CHAT, &f, NULL, NULL, NULL);
    out->secs = (double)(bh_bench_now_ns() - t0) / 1e9;
    out->growth_kib = bh_bench_proc_kib("VmHWM:") - rss;
    bh_client_free(cl);
    return rc == BH_OK ? 0 : -1;
}

/* One call-path upload in a fresh child. Returns 0 or -1. */
static int callpath_run(bh_bench_emu *e, const char *small, const char *big, upload_run *out)
{
    int p[2], status;
    pid_t pid;
    if (fresh_chat(e) != 0 || pipe(p) < 0 || (pid = fork()) < 0)
        return -1;
    if (pid == 0) {
        upload_run r = {0};
        close(p[0]);
        int ok = child_upload(e->url, small, big, &r) == 0 && write(p[1], &r, sizeof r) == sizeof r;
        _exit(ok ? 0 : 1);
    }
    close(p[1]);
    ssize_t n = read(p[0], out, sizeof *out);
    close(p[0]);
    waitpid(pid, &status, 0);
    return n == sizeof *out && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* One `curl -F` upload of big; its time_total in seconds, or -1. */
static double curl_run(bh_bench_emu *e, const char *big)
{
    char cmd[2048];
    int code = 0;
    double secs = -1;
    FILE *f;
    if (fresh_chat(e) != 0)
        return -1;
    snprintf(cmd, sizeof cmd,
             "curl -sS -o /dev/null -w '%%{http_code} %%{time_total}' -F chat_id=%d "
             "-F 'document=@%s' '%s/bot%s/sendDocument'",
             CHAT, big, e->url, TOKEN);
    if (!(f = popen(cmd, "r")))
        return -1;
    if (fscanf(f, "%d %lf", &code, &secs) != 2 || code != 200)
        secs = -1;
    return pclose(f) == 0 ? secs : -1;
}

/* One turn: an upload through the call path and one with curl, curl's
 * first when curl_first (so that neither always finds the emulator just
 * reset). Returns 0 or -1. */
static int turn(bh_bench_emu *e, const char *small, const char *big, int curl_first,
                upload_run *r, double *curl_secs)
{
    if (curl_first && (*curl_secs = curl_run(e, big)) <= 0)
        return -1;
    if (callpath_run(e, small, big, r) != 0)
        return -1;
    if (!curl_first && (*curl_secs = curl_run(e, big)) <= 0)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    int quick = bh_bench_flag(argc, argv, "--quick"), runs = quick ? 1 : RUNS, failed = 0;
    size_t size = quick ? (size_t)2 << 20 : (size_t)20 << 20;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char small[512], big[512];
    double ours[RUNS], theirs[RUNS], mib = (double)size / (1 << 20);
    int64_t growth = 0;
    bh_bench_emu e;

    snprintf(small, sizeof small, "%s/bothive-bench-upload-%d.small", tmp, (int)getpid());
    snprintf(big, sizeof big, "%s/bothive-bench-upload-%d.big", tmp, (int)getpid());
    if (make_file(small, 65536) != 0 || make_file(big, size) != 0 ||
        bh_bench_emu_start(&e, TOKEN, NULL) != 0) {
        fprintf(stderr, "bench_upload: cannot set up (files in %s, the emulator: BOTHIVE_BIN)\n", tmp);
        failed = 1;
        goto out;
    }
    for (int i = 0; i < runs && !failed; i++) {
        upload_run r;
        if (turn(&e, small, big, i % 2, &r, &theirs[i]) != 0) {
            fprintf(stderr, "bench_upload: an upload failed\n");
            failed = 1;
            break;
        }
        ours[i] = r.secs;
        if (r.growth_kib > growth)
            growth = r.growth_kib;
    }
    bh_bench_emu_stop(&e);
    if (!failed) {
        double o = mib / bh_bench_median(ours, (size_t)runs), t = mib / bh_bench_median(theirs, (size_t)runs);
        printf("RESULT bench=upload mib=%.0f callpath_mib_per_s=%.1f curl_F_mib_per_s=%.1f ratio=%.2f "
               "peak_rss_growth_kib=%lld\n",
               mib, o, t, o / t, (long long)growth);
        bh_bench_target_min("upload_mib_per_s_vs_curl_F", o / t, 0.8);
        bh_bench_target("upload_peak_rss_growth_mib", (double)growth / 1024, 2);
    }
out:
    unlink(small);
    unlink(big);
    return failed;
}
