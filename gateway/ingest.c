/* ingest.c: a raw mail to stored records, problems and evidence */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "buf.h"
#include "ingest.h"
#include "log.h"

const char *const ingest_builtin_platforms[] = {
	"youtube", "facebook", "instagram", "tiktok", "x", "linkedin",
	"snapchat", "twitch", "dailymotion", "jeuxvideo", "viber",
	"microsoft", NULL
};

void
ingest_parse(const char *raw, size_t len, const struct config *cfg,
    enum record_kind kind_override, struct parsed *p)
{
	memset(p, 0, sizeof(*p));
	err_clear(&p->mime_err);
	if (mime_parse(raw, len, &cfg->mime, &p->msg, &p->mime_err) == -1) {
		p->msg = NULL;
		return;
	}
	p->form = form_parse(p->msg->text);
	p->kind = form_kind(p->form, p->msg->subject, p->msg->rcpt,
	    p->msg->nrcpt, cfg->local, cfg->default_kind, &p->kind_why,
	    &p->bad_type);
	if (kind_override != KIND_NONE) {
		p->kind = kind_override;
		p->kind_why = "command line";
		p->bad_type = NULL;
		return;
	}
	/* a command wins over the inbox's default kind, not over a kind
	 * the mail says itself */
	if (p->bad_type == NULL && (p->kind == KIND_NONE ||
	    (p->kind_why != NULL && strcmp(p->kind_why, "inbox default") == 0))) {
		list_cmd_parse(p->msg, cfg->local, &p->cmd);
		if (p->cmd.kind != LC_NONE) {
			p->kind = KIND_NONE;
			p->kind_why = "list command";
		}
	}
}

void
parsed_free(struct parsed *p)
{
	form_free(&p->form);
	mime_msg_free(&p->msg);
}

const char *
ingest_outcome_name(enum ingest_outcome o)
{
	switch (o) {
	case INGEST_ACCEPTED:
		return "accepted";
	case INGEST_REJECTED:
		return "rejected";
	case INGEST_QUARANTINED:
		return "quarantined";
	case INGEST_UNRECOGNISED:
		return "not a form";
	case INGEST_DUPLICATE:
		return "duplicate";
	}
	return "?";
}

void
ingest_result_clear(struct ingest_result *res)
{
	size_t i;

	for (i = 0; i < res->nrefs; i++)
		free(res->refs[i]);
	free(res->refs);
	free(res->reason);
	memset(res, 0, sizeof(*res));
}

int
ingest_init(struct ingest *in, const struct config *cfg, struct store *st,
    enum record_kind kind_override, struct err *err)
{
	char **contact_platforms = NULL;
	size_t n = 0, i, j;

	memset(in, 0, sizeof(*in));
	in->cfg = cfg;
	in->st = st;
	in->kind_override = kind_override;
	if (store_platforms(st, &contact_platforms, &n, err) == -1)
		return -1;
	for (i = 0; ingest_builtin_platforms[i] != NULL; i++) {
		in->platforms = xreallocarray(in->platforms, in->nplatforms + 1,
		    sizeof(char *));
		in->platforms[in->nplatforms++] =
		    xstrdup(ingest_builtin_platforms[i]);
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < in->nplatforms; j++)
			if (strcmp(in->platforms[j], contact_platforms[i]) == 0)
				break;
		if (j == in->nplatforms) {
			in->platforms = xreallocarray(in->platforms,
			    in->nplatforms + 1, sizeof(char *));
			in->platforms[in->nplatforms++] = contact_platforms[i];
		} else
			free(contact_platforms[i]);
	}
	free(contact_platforms);
	return 0;
}

void
ingest_deinit(struct ingest *in)
{
	size_t i;

	for (i = 0; i < in->nplatforms; i++)
		free(in->platforms[i]);
	free(in->platforms);
	in->platforms = NULL;
	in->nplatforms = 0;
}

static void
result_ref_add(struct ingest_result *res, const char *ref)
{
	res->refs = xreallocarray(res->refs, res->nrefs + 1, sizeof(char *));
	res->refs[res->nrefs++] = xstrdup(ref);
}

/* who sent it: an organisation for records, a contact for outcomes */
struct sender {
	struct org *org;
	struct contact *contact;
	char *auth;		/* what verification found */
	char *quarantine;	/* why, or NULL */
};

static int
sender_check(struct ingest *in, const struct parsed *p, struct sender *s,
    struct err *err)
{
	const char *from = p->msg->from_addr;
	bool need_contact = p->kind == KIND_OUTCOME;
	bool need_org = p->kind != KIND_OUTCOME && p->kind != KIND_NONE;

	memset(s, 0, sizeof(*s));
	if (from == NULL) {
		s->quarantine = xstrdup("the mail has no From address");
		return 0;
	}
	if (!need_contact && store_org_by_sender(in->st, from, &s->org,
	    err) == -1)
		return -1;
	if (!need_org && store_contact_get(in->st, from, &s->contact,
	    err) == -1)
		return -1;
	if (need_org && s->org == NULL)
		s->quarantine = xasprintf("the sender %s is not registered "
		    "with any organisation", from);
	else if (need_contact && s->contact == NULL)
		s->quarantine = xasprintf("the sender %s is not a registered "
		    "company contact", from);
	else if (s->org == NULL && s->contact == NULL)
		s->quarantine = xasprintf("the sender %s is neither a "
		    "registered organisation nor a company contact", from);
	else if (s->org != NULL && s->org->disabled)
		s->quarantine = xasprintf("the organisation '%s' is disabled",
		    s->org->name);
	if (!auth_verify(p->msg, in->cfg->auth_policy, in->cfg->authserv_id,
	    &s->auth) && s->quarantine == NULL)
		s->quarantine = xasprintf("the sender %s is not verified: %s",
		    from, s->auth);
	return 0;
}

static void
sender_clear(struct sender *s)
{
	org_free(&s->org);
	contact_free(&s->contact);
	free(s->auth);
	free(s->quarantine);
}

/*
 * A Message-ID, a From and a Subject for a mail too large to read whole,
 * from its header block; returns the length of that block, which is all
 * of the mail that is kept.
 */
static size_t
head_envelope(const char *raw, size_t len, const struct config *cfg,
    struct parsed *p)
{
	struct config head_cfg = *cfg;
	const char *crlf, *lf;
	size_t n = len;

	crlf = memmem(raw, len, "\r\n\r\n", 4);
	lf = memmem(raw, len, "\n\n", 2);
	if (crlf != NULL && (lf == NULL || crlf < lf))
		n = (size_t)(crlf - raw) + 4;
	else if (lf != NULL)
		n = (size_t)(lf - raw) + 2;
	head_cfg.mime.max_size = n + 1;
	ingest_parse(raw, n, &head_cfg, KIND_NONE, p);
	form_free(&p->form);
	p->kind = KIND_NONE;
	p->kind_why = NULL;
	return n;
}

static int
store_records(struct ingest *in, int64_t msg, const struct parsed *p,
    const struct validation *v, const struct sender *s,
    struct ingest_result *res, struct err *err)
{
	int64_t *ev = NULL, rec;
	struct record_row row;
	char ref[32];
	size_t i, j;
	int ret = -1;

	ev = xcalloc(p->msg->natt ? p->msg->natt : 1, sizeof(*ev));
	for (i = 0; i < p->msg->natt; i++) {
		const struct mime_attachment *a = &p->msg->att[i];

		if (store_evidence_add(in->st, msg, a->filename, a->type,
		    a->data, a->len, a->sha256, &ev[i], err) == -1)
			goto out;
	}
	for (i = 0; i < v->nrec; i++) {
		const struct record *r = &v->rec[i];
		char *json = record_fields_json(r);

		memset(&row, 0, sizeof(row));
		row.kind = r->kind;
		row.org_id = s->org ? s->org->id : 0;
		row.contact_id = s->contact ? s->contact->id : 0;
		row.url = r->url;
		row.url_norm = r->url_norm;
		row.language = record_get(r, "language");
		row.where = r->where;
		row.fields_json = json;
		if (store_record_add(in->st, msg, &row, &rec, ref, err) == -1) {
			free(json);
			goto out;
		}
		free(json);
		for (j = 0; j < p->msg->natt; j++)
			if (store_record_evidence(in->st, rec, ev[j], err) == -1)
				goto out;
		for (j = 0; j < r->ntargets; j++)
			if (store_outcome_target(in->st, rec, r->targets[j],
			    err) == -1)
				goto out;
		result_ref_add(res, ref);
	}
	ret = 0;
out:
	free(ev);
	return ret;
}

/* the form and data of a mail against what its sender registered */
static struct validation *
validate_sent(const struct ingest *in, const struct parsed *p,
    const struct sender *s)
{
	struct validate_ctx vctx;

	memset(&vctx, 0, sizeof(vctx));
	vctx.good_faith_standing = s->org && s->org->good_faith;
	vctx.default_licence = s->org ? s->org->licence : NULL;
	vctx.platforms = in->platforms;
	vctx.nplatforms = in->nplatforms;
	vctx.max_records = in->cfg->max_records;
	vctx.mail_date = p->msg->date;
	return validate_mail(p->form, p->kind, p->msg->subject, p->msg, &vctx);
}

/*
 * The answer to a mail, queued with it: an acknowledgement when it was
 * accepted, the problems when it was rejected; never to automatic mail
 * (RFC 3834), never to a sender that was not verified (those mails are
 * quarantined), and at most replies_per_day to one address a day.
 */
static int
reply_queue(struct ingest *in, int64_t msg, const char *status,
    const struct message_row *row, struct err *err)
{
	struct outbox_row ob;
	char since[21];
	size_t n;
	bool accepted = strcmp(status, "accepted") == 0;

	if ((!accepted && strcmp(status, "rejected") != 0) ||
	    row->automatic != NULL || row->from_addr == NULL ||
	    (row->org_id == 0 && row->contact_id == 0))
		return 0;
	time_rfc3339(now_epoch() - 86400, since);
	if (store_replies_since(in->st, row->from_addr, since, &n, err) == -1)
		return -1;
	if (n >= in->cfg->replies_per_day) {
		log_warnx("msg=%lld: no %s to %s: %zu replies to that address "
		    "in the last day already", (long long)msg,
		    accepted ? "acknowledgement" : "error reply",
		    log_safe(row->from_addr), n);
		return 0;
	}
	memset(&ob, 0, sizeof(ob));
	ob.kind = accepted ? "ack" : "error";
	ob.message = msg;
	ob.recipient = row->from_addr;
	return store_outbox_add(in->st, &ob, NULL, err);
}

static int
tx_begin(struct ingest *in, struct err *err)
{
	return in->batch ? store_savepoint(in->st, err) :
	    store_begin(in->st, err);
}

static int
tx_end(struct ingest *in, struct err *err)
{
	return in->batch ? store_release(in->st, err) :
	    store_commit(in->st, err);
}

static void
tx_abort(struct ingest *in)
{
	if (in->batch)
		store_rollback_savepoint(in->st);
	else
		store_rollback(in->st);
}

void
ingest_prepare(const struct config *cfg, enum record_kind kind_override,
    const char *raw, size_t len, size_t size, const char *sha256,
    struct prepared *pr)
{
	memset(pr, 0, sizeof(*pr));
	pr->raw = raw;
	pr->len = len;
	pr->size = size;
	memcpy(pr->sha256, sha256, SHA256_HEX_LEN);
	if (size > cfg->mime.max_size) {
		pr->len = head_envelope(raw, len, cfg, &pr->p);
		pr->reason = xasprintf("the message is %zu bytes; the limit is "
		    "%zu bytes", size, cfg->mime.max_size);
	} else {
		ingest_parse(raw, len, cfg, kind_override, &pr->p);
		if (pr->p.msg == NULL)
			pr->reason = xstrdup(pr->p.mime_err.msg);
	}
}

void
prepared_free(struct prepared *pr)
{
	parsed_free(&pr->p);
	free(pr->reason);
	pr->reason = NULL;
}

int
ingest_mail(struct ingest *in, const char *source, const char *raw,
    size_t len, size_t size, const char *sha256, struct ingest_result *res,
    struct err *err)
{
	struct prepared pr;
	int r;

	ingest_prepare(in->cfg, in->kind_override, raw, len, size, sha256, &pr);
	r = ingest_commit(in, source, &pr, res, err);
	prepared_free(&pr);
	return r;
}

int
ingest_commit(struct ingest *in, const char *source, struct prepared *pr,
    struct ingest_result *res, struct err *err)
{
	struct parsed p = pr->p;	/* borrowed: pr keeps it */
	const char *sha256 = pr->sha256;
	struct sender s;
	struct validation *v = NULL;
	struct message_row row;
	const char *status = NULL, *automatic = NULL;
	char *reason = NULL, *refused = NULL;
	bool command = false, help = false;
	int64_t dup = 0, msg;
	size_t i;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	memset(&s, 0, sizeof(s));
	memset(&row, 0, sizeof(row));
	if (pr->reason != NULL) {
		reason = xstrdup(pr->reason);
		status = "rejected";
	}

	if (store_message_find(in->st, p.msg ? p.msg->message_id : NULL,
	    sha256, &dup, err) == -1)
		goto out;
	if (dup != 0) {
		res->outcome = INGEST_DUPLICATE;
		res->message = dup;
		ret = 0;
		goto out;
	}

	automatic = p.msg ? auth_automatic(p.msg) : NULL;
	if (status == NULL) {
		if (sender_check(in, &p, &s, err) == -1)
			goto out;
		/* the token is the proof: an unsubscribe works whoever sends
		 * it; a confirmation never comes from an auto-responder */
		if (p.kind == KIND_NONE && (p.cmd.kind == LC_UNSUB_TOKEN ||
		    (p.cmd.kind == LC_CONFIRM && p.cmd.token[0] != '\0' &&
		    automatic == NULL))) {
			status = "accepted";
			command = true;
		} else if (s.quarantine != NULL) {
			status = "quarantined";
			reason = xstrdup(s.quarantine);
		} else if (p.bad_type != NULL) {
			status = "rejected";
			reason = xasprintf("Type: '%s' is not a kind of record; "
			    "write flag, early-warning, hub or outcome",
			    p.bad_type);
		} else if (p.kind == KIND_NONE && p.cmd.kind != LC_NONE &&
		    automatic == NULL) {
			status = "accepted";
			command = true;
		} else if (p.kind == KIND_NONE) {
			status = "unrecognised";
			reason = xstrdup("no Type field, no [flag], "
			    "[early-warning], [hub] or reference tag in the "
			    "Subject, and no kind in the address");
			help = automatic == NULL;
		} else {
			v = validate_sent(in, &p, &s);
			status = v->nrec > 0 ? "accepted" : "rejected";
		}
	}

	row.source = source;
	row.message_id = p.msg ? p.msg->message_id : NULL;
	row.sha256 = sha256;
	row.size = pr->size;
	row.raw = pr->raw;
	row.raw_len = pr->len;
	row.from_addr = p.msg ? p.msg->from_addr : NULL;
	row.subject = p.msg ? p.msg->subject : NULL;
	row.date = p.msg ? p.msg->date : -1;
	row.kind = p.kind;
	row.kind_why = p.kind_why;
	row.status = status;
	row.reason = reason;
	row.automatic = automatic;
	row.auth = s.auth;
	row.org_id = s.org ? s.org->id : 0;
	row.contact_id = s.contact ? s.contact->id : 0;

	if (tx_begin(in, err) == -1)
		goto out;
	if (store_message_insert(in->st, &row, &msg, err) == -1)
		goto abort;
	if (reason != NULL && strcmp(status, "rejected") == 0 &&
	    (v == NULL || v->nprob == 0)) {
		if (store_problem_add(in->st, msg, p.bad_type ? "type" : NULL,
		    p.bad_type, NULL, reason, err) == -1)
			goto abort;
		res->nproblems++;
	}
	for (i = 0; v != NULL && i < v->nprob; i++) {
		const struct problem *prob = &v->prob[i];

		if (store_problem_add(in->st, msg, prob->field, prob->value,
		    prob->where, prob->text, err) == -1)
			goto abort;
		res->nproblems++;
	}
	if (v != NULL && v->nrec > 0 &&
	    store_records(in, msg, &p, v, &s, res, err) == -1)
		goto abort;
	if (command || help) {
		struct list_cmd hc;

		memset(&hc, 0, sizeof(hc));
		hc.kind = LC_HELP;
		if (lists_apply(in->cfg, in->st, msg, command ? &p.cmd : &hc,
		    row.from_addr, s.quarantine == NULL, &refused, err) == -1)
			goto abort;
		if (refused != NULL) {
			status = "rejected";
			free(reason);
			reason = refused;
			refused = NULL;
			if (store_message_status(in->st, msg, status, reason,
			    err) == -1 || store_problem_add(in->st, msg,
			    "command", list_cmd_name(p.cmd.kind), NULL, reason,
			    err) == -1)
				goto abort;
			res->nproblems++;
		}
	} else if (reply_queue(in, msg, status, &row, err) == -1)
		goto abort;
	if (tx_end(in, err) == -1)
		goto abort;

	res->message = msg;
	if (strcmp(status, "accepted") == 0)
		res->outcome = INGEST_ACCEPTED;
	else if (strcmp(status, "rejected") == 0)
		res->outcome = INGEST_REJECTED;
	else if (strcmp(status, "quarantined") == 0)
		res->outcome = INGEST_QUARANTINED;
	else
		res->outcome = INGEST_UNRECOGNISED;
	res->reason = reason;
	reason = NULL;
	log_info("msg=%lld source=%s status=%s records=%zu problems=%zu",
	    (long long)msg, log_safe(source), status, res->nrefs,
	    res->nproblems);
	ret = 0;
	goto out;
abort:
	tx_abort(in);
	for (i = 0; i < res->nrefs; i++)
		free(res->refs[i]);
	res->nrefs = 0;
out:
	validation_free(&v);
	sender_clear(&s);
	free(reason);
	free(refused);
	return ret;
}

int
ingest_preview(struct ingest *in, const char *raw, size_t len,
    struct ingest_preview *pv, struct err *err)
{
	char sha[SHA256_HEX_LEN];
	struct sender s;
	const struct parsed *p;

	memset(pv, 0, sizeof(*pv));
	memset(&s, 0, sizeof(s));
	sha256_hex(raw, len, sha);
	ingest_prepare(in->cfg, in->kind_override, raw, len, len, sha, &pv->pr);
	p = &pv->pr.p;
	if (pv->pr.reason != NULL) {
		pv->status = "rejected";
		pv->reason = xstrdup(pv->pr.reason);
		return 0;
	}
	if (sender_check(in, p, &s, err) == -1)
		return -1;
	if (s.org != NULL)
		pv->org = xstrdup(s.org->name);
	if (s.quarantine != NULL) {
		pv->status = "quarantined";
		pv->reason = xstrdup(s.quarantine);
	} else if (p->bad_type != NULL) {
		pv->status = "rejected";
		pv->reason = xasprintf("Type: '%s' is not a kind of record",
		    p->bad_type);
	} else if (p->kind == KIND_NONE) {
		pv->status = "unrecognised";
		pv->reason = xstrdup("the mail says no kind of record");
	}
	if (p->kind != KIND_NONE && p->bad_type == NULL) {
		pv->v = validate_sent(in, p, &s);
		if (pv->status == NULL)
			pv->status = pv->v->nrec > 0 ? "accepted" : "rejected";
	}
	sender_clear(&s);
	return 0;
}

void
ingest_preview_free(struct ingest_preview *pv)
{
	validation_free(&pv->v);
	prepared_free(&pv->pr);
	free(pv->reason);
	free(pv->org);
	memset(pv, 0, sizeof(*pv));
}
