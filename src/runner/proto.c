/*
 * Messages between the master and its children. SOCK_SEQPACKET keeps
 * message boundaries (one update per message, no framing to get wrong) and
 * reports a dead peer as EOF at once, which is how a worker's death is
 * noticed even before SIGCHLD is handled.
 *
 * Names: every function here is bh_proto_*.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bothive/error.h"
#include "internal.h"

/* Room in the socket buffers beyond the largest message, for the kernel's
 * own accounting. */
#define BH_PROTO_BUF_SLACK 4096

int bh_proto_pair(int fds[2])
{
    int sz = BH_RUNNER_MSG_MAX + (int)sizeof(bh_msg_hdr) + BH_PROTO_BUF_SLACK;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
        return BH_EIO;
    /* The kernel caps these at net.core.[rw]mem_max; a message that does
     * not fit anyway fails with EMSGSIZE (BH_ETOOBIG) and is set aside. */
    for (int i = 0; i < 2; i++) {
        setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
        setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    }
    return BH_OK;
}

int bh_proto_send(int fd, const bh_msg_hdr *h, const char *body, size_t len)
{
    return bh_proto_send_flags(fd, h, body, len, 0);
}

int bh_proto_send_flags(int fd, const bh_msg_hdr *h, const char *body, size_t len, int flags)
{
    struct iovec iov[2] = {{(void *)h, sizeof *h}, {(void *)body, body ? len : 0}};
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = body ? 2 : 1};

    if (body && len > BH_RUNNER_MSG_MAX)
        return BH_ETOOBIG;
    for (;;) {
        if (sendmsg(fd, &mh, MSG_NOSIGNAL | flags) >= 0)
            return BH_OK;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return BH_EBUSY;
        if (errno == EMSGSIZE || errno == ENOBUFS)
            return BH_ETOOBIG;
        return BH_EIO;
    }
}

int bh_proto_recv(int fd, char *buf, bh_msg *m)
{
    ssize_t n;

    do
        n = recv(fd, buf, sizeof(bh_msg_hdr) + BH_RUNNER_MSG_MAX, MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n == 0)
        return BH_PROTO_EOF;
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK ? BH_PROTO_NONE : BH_EIO;
    if ((size_t)n < sizeof(bh_msg_hdr))
        return BH_EIO;
    memcpy(&m->h, buf, sizeof m->h);
    m->len = (size_t)n - sizeof(bh_msg_hdr);
    m->body = buf + sizeof(bh_msg_hdr);
    m->body[m->len] = '\0';
    if (m->len == 0)
        m->body = NULL;
    return BH_PROTO_MSG;
}

/* An integer field at a path of object keys, or 0 when absent. */
static int bh_proto_json_id(json_object *o, const char *a, const char *b, int64_t *out)
{
    json_object *v;

    if (!json_object_object_get_ex(o, a, &v) || !json_object_is_type(v, json_type_object))
        return 0;
    if (!json_object_object_get_ex(v, b, &v) || !json_object_is_type(v, json_type_int))
        return 0;
    *out = json_object_get_int64(v);
    return 1;
}

/* The key of the object of one update kind: its chat, else its user.
 * Non-zero when it has either. */
static int bh_proto_object_key(json_object *v, int *kind, int64_t *key)
{
    json_object *msg;

    *kind = BH_KEY_CHAT;
    if (bh_proto_json_id(v, "chat", "id", key))
        return 1;
    if (json_object_object_get_ex(v, "message", &msg) &&
        json_object_is_type(msg, json_type_object) && bh_proto_json_id(msg, "chat", "id", key))
        return 1;
    *kind = BH_KEY_USER;
    return bh_proto_json_id(v, "from", "id", key) || bh_proto_json_id(v, "user", "id", key);
}

/*
 * Every update kind is an object under one field beside update_id; its chat
 * is at .chat.id (messages, member updates, join requests, reactions) or
 * .message.chat.id (callback queries), its user at .from.id or .user.id
 * (poll answers). Keying by the kind-independent shape keeps kinds added to
 * the Bot API later in order too.
 */
void bh_proto_update_key(json_object *u, int64_t update_id, int *kind, int64_t *key)
{
    if (u && json_object_is_type(u, json_type_object)) {
        json_object_object_foreach(u, name, v) {
            if (!strcmp(name, "update_id") || !json_object_is_type(v, json_type_object))
                continue;
            if (bh_proto_object_key(v, kind, key))
                return;
            break;
        }
    }
    *kind = BH_KEY_UPDATE;
    *key = update_id;
}
