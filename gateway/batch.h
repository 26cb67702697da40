/* batch.h: the CSV and JSON data attachments of a flag mail, as rows of fields */
#ifndef FLAGPOST_BATCH_H
#define FLAGPOST_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "mime.h"
#include "validate.h"

/*
 * MAIL-FORMAT.md 3 (flag): a `text/csv` attachment whose first row names
 * fields, or an `application/json` attachment holding one object or an
 * array of objects with the same field names, makes one flag per row or
 * object.  batch reads such a file into rows of (field, value) pairs; it
 * knows the field names (form_field_name) but not which kind takes which
 * field: validate checks the values.  Pure: no I/O, no globals.
 */

enum batch_type {
	BATCH_NONE = 0,
	BATCH_CSV,
	BATCH_JSON,
};

struct batch_value {
	const char *name;	/* canonical field name, static */
	char *typed;		/* the column or key as written */
	char *value;		/* UTF-8, trimmed, never empty */
};

struct batch_row {
	char *where;		/* "CSV 'flags.csv' row 2", "JSON 'flags.json' index 0" */
	struct batch_value *v;	/* in column (CSV) or key (JSON) order; a JSON */
	size_t n;		/* array gives one pair per element */
	struct problem *prob;	/* what was wrong in reading it: no record */
	size_t nprob;
};

struct batch {
	enum batch_type type;
	char *where;		/* "CSV 'flags.csv'", "JSON 'flags.json'" */
	char *label;		/* "'flags.csv'", or "attachment 2" without a name */
	const char **columns;	/* CSV: the canonical names of the named */
	size_t ncolumns;	/* columns, once each, in order; JSON: none */
	struct batch_row *row;	/* rows that hold at least one value */
	size_t nrow;
	size_t nmore;		/* further rows past `max_rows`, not read */
	struct problem *prob;	/* problems of the file as a whole: no row */
	size_t nprob;		/* of it makes a record */
};

/*
 * Whether an attachment is a data file: `text/csv` or `application/json`
 * by type, or a name ending in ".csv" / ".json" with a generic type
 * (application/octet-stream, text/plain, and the types mail clients give
 * CSV files: application/vnd.ms-excel, application/csv, text/x-csv, ...).
 */
enum batch_type batch_type_of(const struct mime_attachment *a);

/*
 * Reads a data attachment (batch_type_of() not BATCH_NONE).  `index` is
 * the attachment's position (from 1), named when the file has no name;
 * `columns_hint` lists the accepted field names for the problem about an
 * unknown column ("url, ground, language, ..."); at most `max_rows` rows
 * are read (0: no limit), the rest only counted.  Never NULL.
 *
 * CSV: UTF-8 (a BOM is skipped) or, when the bytes are not UTF-8,
 * Windows-1252 as Excel writes it; CRLF or LF; quoted fields with line
 * breaks; ';' as the delimiter when the header row has no comma but a
 * semicolon (Excel in most EU locales), a tab when it has neither.  Rows
 * are numbered as a spreadsheet shows them: the header is row 1.
 * JSON: objects are numbered from index 0; keys are field names in any
 * case with '_' or '-'; values are strings, numbers or booleans (turned
 * into text), arrays of those for several values, or null for none.
 */
struct batch *batch_read(const struct mime_attachment *a, size_t index,
    const char *columns_hint, size_t max_rows);
void batch_free(struct batch **b);

#endif
