#ifndef INTAKE_CETPAN_SHIM_H
#define INTAKE_CETPAN_SHIM_H
#include <libetpan/libetpan.h>
#include <libetpan/idle.h>
#include <libetpan/uidplus.h>
#include <poll.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

/* clist's iteration helpers are macros; Swift sees these functions instead. */
static inline clistiter *intake_clist_begin(clist *list) { return list == NULL ? NULL : list->first; }
static inline clistiter *intake_clist_next(clistiter *iter) { return iter == NULL ? NULL : iter->next; }
static inline void *intake_clist_content(clistiter *iter) { return iter == NULL ? NULL : iter->data; }

/* IMAP (IntakeIMAP): the union-heavy parts of libetpan's mailimap API, flattened for Swift. */

/* The selected mailbox's UIDVALIDITY; 0 when the server sent none. */
static inline uint32_t intake_imap_uidvalidity(mailimap *session) {
    if (session == NULL || session->imap_selection_info == NULL) return 0;
    return session->imap_selection_info->sel_uidvalidity;
}

/* UID FETCH <after+1>:* (UID BODY.PEEK[]); `*result` is a clist of struct mailimap_msg_att. */
static inline int intake_imap_fetch_after(mailimap *session, uint32_t after, clist **result) {
    struct mailimap_set *set = mailimap_set_new_interval(after + 1, 0);
    struct mailimap_fetch_type *type = mailimap_fetch_type_new_fetch_att_list_empty();
    mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_uid());
    mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
    int r = mailimap_uid_fetch(session, set, type, result);
    mailimap_fetch_type_free(type);
    mailimap_set_free(set);
    return r;
}

/* The UID of one fetched message; 0 when absent. */
static inline uint32_t intake_imap_att_uid(struct mailimap_msg_att *att) {
    for (clistiter *it = clist_begin(att->att_list); it != NULL; it = clist_next(it)) {
        struct mailimap_msg_att_item *item = clist_content(it);
        if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC && item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID)
            return item->att_data.att_static->att_data.att_uid;
    }
    return 0;
}

/* The raw bytes (BODY[]) of one fetched message, or NULL; `*length` gets their count. */
static inline const char *intake_imap_att_body(struct mailimap_msg_att *att, size_t *length) {
    for (clistiter *it = clist_begin(att->att_list); it != NULL; it = clist_next(it)) {
        struct mailimap_msg_att_item *item = clist_content(it);
        if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC && item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_BODY_SECTION) {
            struct mailimap_msg_att_body_section *section = item->att_data.att_static->att_data.att_body_section;
            *length = section->sec_length;
            return section->sec_body_part;
        }
    }
    *length = 0;
    return NULL;
}

/* The UID set `uids[0..count)`, or the range `first:last` with `intake_imap_range_set`; the caller frees it. */
static inline struct mailimap_set *intake_imap_uid_set(const uint32_t *uids, size_t count) {
    struct mailimap_set *set = mailimap_set_new_empty();
    for (size_t i = 0; i < count; i++) mailimap_set_add_single(set, uids[i]);
    return set;
}

static inline struct mailimap_set *intake_imap_range_set(uint32_t first, uint32_t last) {
    return mailimap_set_new_interval(first, last);
}

/* UID STORE <set> +FLAGS.SILENT (<flag>): `deleted` 0 adds \Seen, 1 adds \Deleted. Idempotent. */
static inline int intake_imap_add_flag(mailimap *session, struct mailimap_set *set, int deleted) {
    struct mailimap_flag_list *flags = mailimap_flag_list_new_empty();
    mailimap_flag_list_add(flags, deleted ? mailimap_flag_new_deleted() : mailimap_flag_new_seen());
    struct mailimap_store_att_flags *store = mailimap_store_att_flags_new_add_flags_silent(flags);
    int r = mailimap_uid_store(session, set, store);
    mailimap_store_att_flags_free(store);
    return r;
}

/* UID MOVE <set> when the server has MOVE, otherwise UID COPY + \Deleted + (UID) EXPUNGE. UIDs of the set
   no longer in the mailbox are passed over, so moving a range again moves only what is still there. */
static inline int intake_imap_move(mailimap *session, struct mailimap_set *set, const char *mailbox) {
    if (mailimap_has_extension(session, "MOVE")) return mailimap_uid_move(session, set, mailbox);
    int r = mailimap_uid_copy(session, set, mailbox);
    if (r == MAILIMAP_NO_ERROR) r = intake_imap_add_flag(session, set, 1);
    if (r == MAILIMAP_NO_ERROR) r = mailimap_has_uidplus(session) ? mailimap_uid_expunge(session, set) : mailimap_expunge(session);
    return r;
}

/* Guarded streams. Two faults of Debian's libetpan 1.9.4 are kept away from the IMAP client:
   - it spins forever when the connection ends inside a literal (a FETCH body cut off): its literal reader
     takes only -1 as an error, and a stream at EOF reads 0 (fixed upstream in 68de795, 2026);
   - built without USE_POLL, it waits with select(), and glibc aborts the process when a descriptor of
     FD_SETSIZE (1024) or more goes into an fd_set.
   `intake_guard_stream` gives a stream a copy of its driver whose read turns EOF into -1 and, for a plain
   socket, reads and writes with poll(); `intake_imap_connect` connects with poll() and keeps a socket TLS
   will select on below FD_SETSIZE. */
/* Declared by mailstream_ssl.h only with USE_SSL, which libetpan's own build defines; the library exports it. */
extern mailstream_low_driver * mailstream_ssl_driver;
extern int mailstream_cancel_get_fd(struct mailstream_cancel *cancel); /* exported; its header is not installed */

static inline int intake_stream_timeout_ms(mailstream_low *s) {
    return s->timeout == 0 ? (int)(mailstream_network_delay.tv_sec * 1000 + mailstream_network_delay.tv_usec / 1000)
                           : (int)(s->timeout * 1000);
}

/* 1 when `fd` is ready for `events` within the stream's timeout, 0 on timeout, -1 on error. */
static inline int intake_wait_fd(mailstream_low *s, short events) {
    struct pollfd p = { mailstream_socket_driver->mailstream_get_fd(s), events, 0 };
    int r;
    do { r = poll(&p, 1, intake_stream_timeout_ms(s)); } while (r < 0 && errno == EINTR);
    return r;
}

/* A read at EOF is -1 too (see above). */
static inline ssize_t intake_guarded_socket_read(mailstream_low *s, void *buf, size_t count) {
    if (intake_wait_fd(s, POLLIN) != 1) return -1;
    ssize_t r;
    do { r = recv(mailstream_socket_driver->mailstream_get_fd(s), buf, count, 0); } while (r < 0 && errno == EINTR);
    return r == 0 && count > 0 ? -1 : r;
}

static inline ssize_t intake_guarded_socket_write(mailstream_low *s, const void *buf, size_t count) {
    if (intake_wait_fd(s, POLLOUT) != 1) return -1;
    return send(mailstream_socket_driver->mailstream_get_fd(s), buf, count, MSG_NOSIGNAL);
}

static inline ssize_t intake_guarded_ssl_read(mailstream_low *s, void *buf, size_t count) {
    ssize_t r = mailstream_ssl_driver->mailstream_read(s, buf, count);
    return r == 0 && count > 0 ? -1 : r;
}

/* The guarded copies: [0] of the socket driver, [1] of the SSL one. (Function-local statics: Swift emits
   a header's functions, not its static variables.) */
static inline mailstream_low_driver *intake_guarded_drivers(void) {
    static mailstream_low_driver drivers[2];
    return drivers;
}

static inline void intake_make_guarded_drivers(void) {
    mailstream_low_driver *drivers = intake_guarded_drivers();
    drivers[0] = *mailstream_socket_driver;
    drivers[0].mailstream_read = intake_guarded_socket_read;
    drivers[0].mailstream_write = intake_guarded_socket_write;
    drivers[1] = *mailstream_ssl_driver;
    drivers[1].mailstream_read = intake_guarded_ssl_read;
}

/* Swaps the stream's low-level driver for its guarded copy; again after STARTTLS (a new low-level part). */
static inline void intake_guard_stream(mailstream *stream) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    mailstream_low *low = stream == NULL ? NULL : mailstream_get_low(stream);
    if (low == NULL) return;
    pthread_once(&once, intake_make_guarded_drivers);
    if (low->driver == mailstream_socket_driver) low->driver = &intake_guarded_drivers()[0];
    else if (low->driver == mailstream_ssl_driver) low->driver = &intake_guarded_drivers()[1];
}

/* Whether libetpan's select() can take every descriptor of a TLS stream: its socket and its cancel pipe. */
static inline int intake_selectable(mailstream *stream) {
    mailstream_low *low = stream == NULL ? NULL : mailstream_get_low(stream);
    if (low == NULL || mailstream_low_get_fd(low) >= FD_SETSIZE) return 0;
    struct mailstream_cancel *cancel = mailstream_low_get_cancel(low);
    return cancel == NULL || mailstream_cancel_get_fd(cancel) < FD_SETSIZE;
}

/* `fd` moved below FD_SETSIZE when it is not (the lowest free number from 3); -2 when none is free. */
static inline int intake_low_descriptor(int fd) {
    if (fd < FD_SETSIZE) return fd;
    int low = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    if (low < 0) return -1;
    if (low >= FD_SETSIZE) { close(low); return -2; }
    return low;
}

/* A blocking TCP socket connected to host:port within `timeout_s`, waiting with poll(), and below FD_SETSIZE
   when `selectable` (TLS will select on it); -1 when no address answered, -2 when no low descriptor is free. */
static inline int intake_tcp_connect(const char *host, uint16_t port, int timeout_s, int selectable) {
    struct addrinfo hints = { 0 }, *addresses = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    if (getaddrinfo(host, service, &hints, &addresses) != 0) return -1;
    int fd = -1;
    for (struct addrinfo *ai = addresses; ai != NULL && fd < 0; ai = ai->ai_next) {
        int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (s < 0) continue;
        int r = connect(s, ai->ai_addr, ai->ai_addrlen);
        if (r < 0 && errno == EINPROGRESS) {
            struct pollfd p = { s, POLLOUT, 0 };
            int error = 0;
            socklen_t length = sizeof error;
            do { r = poll(&p, 1, timeout_s * 1000); } while (r < 0 && errno == EINTR);
            r = r == 1 && getsockopt(s, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0 ? 0 : -1;
        }
        if (r == 0) fd = s;
        else close(s);
    }
    freeaddrinfo(addresses);
    if (fd < 0) return -1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return selectable ? intake_low_descriptor(fd) : fd;
}

/* TLS peer verification (the GnuTLS libetpan is built with never checks the server's certificate). */

/* Whether `host` is an IP literal: SNI carries host names only (RFC 6066). */
static inline int intake_is_ip_literal(const char *host) {
    unsigned char address[16];
    return inet_pton(AF_INET, host, address) == 1 || inet_pton(AF_INET6, host, address) == 1;
}

/* The callback libetpan calls before the TLS handshake: sends `data` (the configured host) as SNI. */
static inline void intake_tls_server_name(struct mailstream_ssl_context *context, void *data) {
    const char *host = data;
    if (host != NULL && *host != 0 && !intake_is_ip_literal(host)) mailstream_ssl_set_server_name(context, (char *)host);
}

/* Loads the trust anchors: the PEM file `ca_file`, or the system CAs when it is NULL; 0, or -1 with `reason`. */
static inline int intake_tls_trust(gnutls_x509_trust_list_t list, const char *ca_file, char *reason, size_t size) {
    int r = ca_file == NULL ? gnutls_x509_trust_list_add_system_trust(list, 0, 0)
                            : gnutls_x509_trust_list_add_trust_file(list, ca_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
    if (r > 0) return 0;
    if (ca_file == NULL) snprintf(reason, size, "no system CA certificates could be loaded (%s)", r < 0 ? gnutls_strerror(r) : "none found");
    else snprintf(reason, size, "ca_file %s holds no usable CA certificate (%s)", ca_file, r < 0 ? gnutls_strerror(r) : "none found");
    return -1;
}

/* Verifies `chain` (DER, leaf first) against `list` for `host` as a TLS server; 0, or -1 with `reason`.
   Only the first 16 certificates are looked at (a real chain has 2-4). */
static inline int intake_tls_verify_chain(gnutls_x509_trust_list_t list, carray *chain, const char *host, char *reason, size_t size) {
    unsigned count = carray_count(chain), imported = 0;
    gnutls_x509_crt_t certs[16];
    if (count > 16) count = 16;
    int r = 0;
    for (; imported < count && r == 0; imported++) {
        MMAPString *der = carray_get(chain, imported);
        gnutls_datum_t datum = { (unsigned char *)der->str, (unsigned int)der->len };
        r = gnutls_x509_crt_init(&certs[imported]);
        if (r < 0) break;
        r = gnutls_x509_crt_import(certs[imported], &datum, GNUTLS_X509_FMT_DER);
        if (r < 0) { gnutls_x509_crt_deinit(certs[imported]); break; }
    }
    unsigned status = 0;
    if (r == 0) {
        gnutls_typed_vdata_st data[2] = {
            { GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)host, 0 },
            { GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER, 0 },
        };
        r = gnutls_x509_trust_list_verify_crt2(list, certs, count, data, 2, 0, &status, NULL);
    }
    for (unsigned i = 0; i < imported && i < count; i++) gnutls_x509_crt_deinit(certs[i]);
    if (r < 0) {
        snprintf(reason, size, "its certificate cannot be checked (%s)", gnutls_strerror(r));
        return -1;
    }
    if (status == 0) return 0;
    gnutls_datum_t text = { NULL, 0 };
    if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) == 0 && text.data != NULL) {
        snprintf(reason, size, "%s", (const char *)text.data);
        gnutls_free(text.data);
    } else {
        snprintf(reason, size, "verification status 0x%x", status);
    }
    return -1;
}

/* Verifies the TLS peer of the session's stream for `host`, trusting the PEM file `ca_file` or, when NULL,
   the system CAs. 0 when the chain is trusted and names `host` (a DNS name, or an IP literal matched
   against the IP address names) as a TLS server; -1 otherwise, with a readable `reason`. */
static inline int intake_imap_verify_peer(mailimap *session, const char *host, const char *ca_file, char *reason, size_t size) {
    snprintf(reason, size, "no TLS connection");
    if (session == NULL || session->imap_stream == NULL) return -1;
    carray *chain = mailstream_get_certificate_chain(session->imap_stream);
    if (chain == NULL || carray_count(chain) == 0) {
        if (chain != NULL) mailstream_certificate_chain_free(chain);
        snprintf(reason, size, "the server sent no certificate");
        return -1;
    }
    gnutls_x509_trust_list_t list;
    int r = gnutls_x509_trust_list_init(&list, 0);
    if (r < 0) {
        snprintf(reason, size, "%s", gnutls_strerror(r));
    } else {
        r = intake_tls_trust(list, ca_file, reason, size);
        if (r == 0) r = intake_tls_verify_chain(list, chain, host, reason, size);
        gnutls_x509_trust_list_deinit(list, 1);
    }
    mailstream_certificate_chain_free(chain);
    return r < 0 ? -1 : 0;
}

/* Connects the session and reads the greeting over a guarded stream: TLS at once when `tls`, and a socket
   TLS can select on when `tls` or `starttls`. Returns a MAILIMAP code, or -2 when no descriptor libetpan's
   select() can take is free. */
static inline int intake_imap_connect(mailimap *session, const char *host, uint16_t port, int tls, int starttls, int timeout_s) {
    int fd = intake_tcp_connect(host, port, timeout_s, tls || starttls);
    if (fd < 0) return fd == -2 ? -2 : MAILIMAP_ERROR_CONNECTION_REFUSED;
    mailstream *stream = tls ? mailstream_ssl_open_with_callback_timeout(fd, timeout_s, intake_tls_server_name, (void *)host)
                             : mailstream_socket_open_timeout(fd, timeout_s);
    if (stream == NULL) {
        close(fd);
        return tls ? MAILIMAP_ERROR_SSL : MAILIMAP_ERROR_MEMORY;
    }
    if (tls && !intake_selectable(stream)) {
        mailstream_close(stream);
        return -2;
    }
    intake_guard_stream(stream);
    return mailimap_connect(session, stream);
}

/* STARTTLS, then the guard on the new TLS stream; -2 when its cancel pipe is past FD_SETSIZE. */
static inline int intake_imap_starttls(mailimap *session, const char *host) {
    int r = mailimap_socket_starttls_with_callback(session, intake_tls_server_name, (void *)host);
    if (r != MAILIMAP_NO_ERROR) return r;
    intake_guard_stream(session->imap_stream);
    if (intake_selectable(session->imap_stream)) return MAILIMAP_NO_ERROR;
    /* Closed here: mailimap_free would LOGOUT over this stream first, and its write waits in select(). */
    mailstream_close(session->imap_stream);
    session->imap_stream = NULL;
    return -2;
}

/* Waits in IDLE: 1 when the server sent something, 2 when `cancel_fd` became readable, 0 after `timeout_ms`, -1 on error.
   What the server sent with its `+ idling` (a message that came before IDLE) may already sit in libetpan's buffer. */
static inline int intake_imap_idle_wait(mailimap *session, int cancel_fd, int timeout_ms) {
    if (session->imap_stream != NULL && session->imap_stream->read_buffer_len > 0) return 1;
    struct pollfd fds[2] = { { mailimap_idle_get_fd(session), POLLIN, 0 }, { cancel_fd, POLLIN, 0 } };
    for (;;) {
        int n = poll(fds, 2, timeout_ms);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) return 0;
        if (fds[1].revents) return 2;
        return 1;
    }
}
#endif
