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

/* one mail of a batch, inside the batch's transaction */
static int
fetch_one(struct ingest *in, const struct config *icfg,
    const struct inbox_conf *ic, struct imap *im, const struct imap_msg *m,
    struct fetch_stats *fs, struct err *err)
{
	struct ingest_result res;
	struct prepared pr;
	char sha[SHA256_HEX_LEN], *data = NULL, *source;
	size_t len = 0, size;
	bool oversize = m->size > icfg->mime.max_size;
	int r;

	if (oversize)
		r = imap_fetch_header(im, m->uid, &data, &len, err);
	else
		r = imap_fetch(im, m->uid, &data, &len, err);
	if (r == -1) {
		if (err->cls != ERR_MSG)
			return -1;
		/* gone meanwhile (expunged by someone else): nothing to keep */
		log_warnx("%s", err->msg);
		err_clear(err);
		return 0;
	}
	/* of an oversized mail, the hash of its header: all that is taken */
	size = oversize ? (size_t)m->size : len;
	sha256_hex(data, len, sha);
	if (oversize)
		fs->oversized++;
	source = xasprintf("imap:%s/%u", ic->name, m->uid);
	ingest_prepare(icfg, KIND_NONE, data, len, size, sha, &pr);
	r = ingest_commit(in, source, &pr, &res, err);
	prepared_free(&pr);
	if (r == 0) {
		fs->outcome[res.outcome]++;
		log_info("inbox=%s uid=%u msg=%lld %s", ic->name, m->uid,
		    (long long)res.message, ingest_outcome_name(res.outcome));
		ingest_result_clear(&res);
	}
	free(source);
	free(data);
	return r;
}

int
fetch_inbox(struct ingest *in, const struct inbox_conf *ic, struct imap **im,
    const volatile int *stop, struct fetch_stats *fs, struct err *err)
{
	struct config icfg = *in->cfg;
	struct imap_conf c;
	struct imap_msg *list = NULL;
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
		for (i = 0; i < n; i++) {
			if (fetch_one(in, &icfg, ic, *im, &list[i], fs,
			    err) == -1 ||
			    (ic->after != IMAP_AFTER_KEEP &&
			    store_pending_add(in->st, ic->name, uidvalidity,
			    list[i].uid, err) == -1)) {
				store_rollback(in->st);
				goto fail;
			}
			fs->mails++;
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
