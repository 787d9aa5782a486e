#ifndef EMBER_CCURL_SHIM_H
#define EMBER_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call.
   These typed, non-variadic wrappers are the only way Swift code reaches them. */

typedef size_t (*ember_curl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*ember_curl_xferinfo_cb)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                      curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode ember_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ember_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ember_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ember_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ember_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ember_curl_setopt_data_cb(CURL *h, CURLoption o, ember_curl_data_cb v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ember_curl_setopt_xferinfo_cb(CURL *h, ember_curl_xferinfo_cb v) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, v); }

static inline CURLcode ember_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ember_curl_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ember_curl_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ember_curl_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }

/* Multi-handle options are variadic too. */
static inline CURLMcode ember_curl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }

/* In-memory PEM (CA bundle, client certificate or key); libcurl copies the bytes. */
static inline CURLcode ember_curl_setopt_blob(CURL *h, CURLoption o, const void *data, size_t len) {
    struct curl_blob blob = { (void *)data, len, CURL_BLOB_COPY };
    return curl_easy_setopt(h, o, &blob);
}

/* CURLMsg keeps the result code in an anonymous union. */
static inline CURLcode ember_curl_msg_result(const CURLMsg *m) { return m->data.result; }

/* Macros built from casts and shifts, which Swift does not import. */
static inline const char *ember_curl_version_string(void) { return curl_version_info(CURLVERSION_NOW)->version; }
static inline CURLcode ember_curl_global_init_all(void) { return curl_global_init(CURL_GLOBAL_ALL); }
static inline long ember_curlauth_basic(void) { return (long)CURLAUTH_BASIC; }
static inline unsigned int ember_curlu_default_port(void) { return CURLU_DEFAULT_PORT; }
static inline unsigned int ember_curlu_no_default_port(void) { return CURLU_NO_DEFAULT_PORT; }
#endif
