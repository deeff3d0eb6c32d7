#ifndef INTAKE_CETPAN_SHIM_H
#define INTAKE_CETPAN_SHIM_H
#include <libetpan/libetpan.h>
#include <libetpan/idle.h>
#include <libetpan/uidplus.h>
#include <poll.h>
#include <errno.h>

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

static inline struct mailimap_set *intake_imap_uid_set(const uint32_t *uids, size_t count) {
    struct mailimap_set *set = mailimap_set_new_empty();
    for (size_t i = 0; i < count; i++) mailimap_set_add_single(set, uids[i]);
    return set;
}

/* UID STORE <uids> +FLAGS.SILENT (<flag>): `deleted` 0 adds \Seen, 1 adds \Deleted. */
static inline int intake_imap_add_flag(mailimap *session, const uint32_t *uids, size_t count, int deleted) {
    struct mailimap_set *set = intake_imap_uid_set(uids, count);
    struct mailimap_flag_list *flags = mailimap_flag_list_new_empty();
    mailimap_flag_list_add(flags, deleted ? mailimap_flag_new_deleted() : mailimap_flag_new_seen());
    struct mailimap_store_att_flags *store = mailimap_store_att_flags_new_add_flags_silent(flags);
    int r = mailimap_uid_store(session, set, store);
    mailimap_store_att_flags_free(store);
    mailimap_set_free(set);
    return r;
}

/* UID MOVE when the server has MOVE, otherwise UID COPY + \Deleted + (UID) EXPUNGE. */
static inline int intake_imap_move(mailimap *session, const uint32_t *uids, size_t count, const char *mailbox) {
    struct mailimap_set *set = intake_imap_uid_set(uids, count);
    int r;
    if (mailimap_has_extension(session, "MOVE")) {
        r = mailimap_uid_move(session, set, mailbox);
    } else {
        r = mailimap_uid_copy(session, set, mailbox);
        if (r == MAILIMAP_NO_ERROR) r = intake_imap_add_flag(session, uids, count, 1);
        if (r == MAILIMAP_NO_ERROR) r = mailimap_has_uidplus(session) ? mailimap_uid_expunge(session, set) : mailimap_expunge(session);
    }
    mailimap_set_free(set);
    return r;
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
