/* fetch.c: the fetch stage, IMAP inboxes into the store exactly once */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"
#include "log.h"
#include "store.h"

/* the after actions left from an earlier pass, then the cursor's state */
static int
fetch_pending(struct ingest *in, const struct inbox_conf *ic, struct imap *im,
    uint32_t uidvalidity, struct err *err)
{
	uint32_t *uids = NULL;
	size_t n = 0;
	int ret = -1;

	if (store_pending_list(in->st, ic->name, uidvalidity, &uids, &n,
	    err) == -1)
		return -1;
	if (n > 0) {
		log_info("inbox=%s after=%s: %zu mails left from an earlier "
		    "pass", ic->name, imap_after_name(ic->after), n);
		if (imap_after(im, uids, n, ic->after, ic->after_folder,
		    err) == -1)
			goto out;
	}
	/* done, and any action of an older UIDVALIDITY can no longer apply */
	if (store_pending_clear(in->st, ic->name, uidvalidity,
	    n > 0 ? uids[n - 1] : 0, err) == -1)
		goto out;
	ret = 0;
out:
	free(uids);
	return ret;
}

/* what a batch needs to store the mails as they come */
struct fetch_ctx {
	struct ingest *in;
	const struct config *icfg;
	const struct inbox_conf *ic;
	uint32_t uidvalidity;
	struct fetch_stats *fs;
};

/* one mail (or the head of an oversized one), inside the batch's transaction */
static int
store_one(void *arg, uint32_t uid, const char *data, size_t len,
    size_t size, struct err *err)
{
	struct fetch_ctx *fc = arg;
	struct ingest_result res;
	struct prepared pr;
	char sha[SHA256_HEX_LEN], *source;
	int r;

	/* of an oversized mail, the hash of its header: all that is taken */
	sha256_hex(data, len, sha);
	source = xasprintf("imap:%s/%u", fc->ic->name, uid);
	ingest_prepare(fc->icfg, KIND_NONE, data, len, size, sha, &pr);
	r = ingest_commit(fc->in, source, &pr, &res, err);
	prepared_free(&pr);
	free(source);
	if (r == -1)
		return -1;
	fc->fs->outcome[res.outcome]++;
	log_info("inbox=%s uid=%u msg=%lld %s", fc->ic->name, uid,
	    (long long)res.message, ingest_outcome_name(res.outcome));
	ingest_result_clear(&res);
	if (fc->ic->after != IMAP_AFTER_KEEP &&
	    store_pending_add(fc->in->st, fc->ic->name, fc->uidvalidity, uid,
	    err) == -1)
		return -1;
	fc->fs->mails++;
	return 0;
}

static int
store_body(void *arg, uint32_t uid, const char *data, size_t len,
    struct err *err)
{
	return store_one(arg, uid, data, len, len, err);
}

/*
 * The mails of a listing: those within the limit several at a time (up to
 * FETCH_CHUNK bytes a command), an oversized one by its header.
 */
#define FETCH_CHUNK (4u * 1024 * 1024)

static int
fetch_batch(struct fetch_ctx *fc, struct imap *im, const struct imap_msg *list,
    size_t n, struct err *err)
{
	uint32_t *uids;
	char *data = NULL;
	size_t i = 0, k, len, bytes;
	int ret = -1;

	uids = xcalloc(n, sizeof(*uids));
	while (i < n) {
		if (list[i].size > fc->icfg->mime.max_size) {
			if (imap_fetch_header(im, list[i].uid, &data, &len,
			    err) == -1) {
				if (err->cls != ERR_MSG)
					goto out;
				log_warnx("%s", err->msg);	/* gone */
				err_clear(err);
			} else {
				fc->fs->oversized++;
				if (store_one(fc, list[i].uid, data, len,
				    (size_t)list[i].size, err) == -1)
					goto out;
			}
			free(data);
			data = NULL;
			i++;
			continue;
		}
		for (k = 0, bytes = 0; i < n && (k == 0 ||
		    bytes + list[i].size <= FETCH_CHUNK) &&
		    list[i].size <= fc->icfg->mime.max_size; i++) {
			uids[k++] = list[i].uid;
			bytes += (size_t)list[i].size;
		}
		if (imap_fetch_many(im, uids, k, store_body, fc, err) != 0)
			goto out;
	}
	ret = 0;
out:
	free(data);
	free(uids);
	return ret;
}

int
fetch_inbox(struct ingest *in, const struct inbox_conf *ic, struct imap **im,
    const volatile int *stop, struct fetch_stats *fs, struct err *err)
{
	struct config icfg = *in->cfg;
	struct imap_conf c;
	struct imap_msg *list = NULL;
	struct fetch_ctx fc;
	uint32_t uidvalidity, stored_uv, last, done_upto;
	size_t n = 0, i;
	bool found, batch = in->batch;
	int ret = -1;

	if (ic->default_kind != KIND_NONE)
		icfg.default_kind = ic->default_kind;
	if (*im == NULL) {
		inbox_imap_conf(ic, &c);
		if (imap_open(&c, im, err) == -1)
			return -1;
	}
	uidvalidity = imap_uidvalidity(*im);
	if (store_inbox_get(in->st, ic->name, &stored_uv, &last, &found,
	    err) == -1)
		goto fail;
	if (found && stored_uv != uidvalidity) {
		log_warnx("inbox=%s: UIDVALIDITY changed from %u to %u: "
		    "reading the folder again (Message-ID and SHA-256 keep "
		    "out what was stored)", ic->name, stored_uv, uidvalidity);
		last = 0;
	}
	if (fetch_pending(in, ic, *im, uidvalidity, err) == -1)
		goto fail;

	fc.in = in;
	fc.icfg = &icfg;
	fc.ic = ic;
	fc.uidvalidity = uidvalidity;
	fc.fs = fs;
	in->batch = true;
	while (stop == NULL || !*stop) {
		free(list);
		list = NULL;
		if (imap_list(*im, last, ic->batch, &list, &n, err) == -1)
			goto fail;
		if (n == 0)
			break;
		if (store_begin(in->st, err) == -1)
			goto fail;
		if (fetch_batch(&fc, *im, list, n, err) == -1) {
			store_rollback(in->st);
			goto fail;
		}
		done_upto = list[n - 1].uid;
		if (store_inbox_set(in->st, ic->name, uidvalidity, done_upto,
		    err) == -1 || store_commit(in->st, err) == -1) {
			store_rollback(in->st);
			goto fail;
		}
		last = done_upto;
		/* committed: now, and only now, the server may change */
		if (ic->after != IMAP_AFTER_KEEP) {
			uint32_t *uids = xcalloc(n, sizeof(*uids));
			int r;

			for (i = 0; i < n; i++)
				uids[i] = list[i].uid;
			r = imap_after(*im, uids, n, ic->after,
			    ic->after_folder, err);
			free(uids);
			if (r == -1 || store_pending_clear(in->st, ic->name,
			    uidvalidity, done_upto, err) == -1)
				goto fail;
		}
		if (n < ic->batch)
			break;
	}
	if (!found || stored_uv != uidvalidity) {
		/* remember the UIDVALIDITY even of an empty folder */
		if (store_inbox_set(in->st, ic->name, uidvalidity, last,
		    err) == -1)
			goto fail;
	}
	ret = 0;
	goto out;
fail:
	imap_close(im);
	if (err->cls == ERR_NONE || err->cls == ERR_MSG)
		err->cls = ERR_TEMP;
out:
	in->batch = batch;
	free(list);
	return ret;
}
