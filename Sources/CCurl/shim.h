#ifndef INTAKE_CCURL_SHIM_H
#define INTAKE_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic: Swift needs one typed wrapper per argument kind. */
static inline CURLcode intake_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode intake_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode intake_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*intake_curl_write_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode intake_curl_setopt_write_function(CURL *handle, CURLoption option, intake_curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

typedef int (*intake_curl_progress_callback)(void *context, curl_off_t download_total, curl_off_t download_now,
                                             curl_off_t upload_total, curl_off_t upload_now);

/* CURLOPT_XFERINFOFUNCTION: lets a cancelled Swift task abort a transfer in flight. */
static inline CURLcode intake_curl_setopt_progress_function(CURL *handle, intake_curl_progress_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

/* CURLOPT_READFUNCTION: the message an SMTP upload sends, handed over piece by piece. */
typedef size_t (*intake_curl_read_callback)(char *buffer, size_t size, size_t count, void *context);

static inline CURLcode intake_curl_setopt_read_function(CURL *handle, intake_curl_read_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}

static inline CURLcode intake_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
#endif
