/*
 * replay.c: runs every file named on the command line (or every file of
 * the directories named) through LLVMFuzzerTestOneInput, as SQLite's
 * fuzzcheck does, so a build without clang still replays the corpus.
 * Prints TAP: one test per file named, one per directory (a crash in any
 * input ends the run, which the TAP driver reports).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n;

/* 0 when the input ran; -1 when it could not be read */
static int
feed(const char *path)
{
	FILE *fp;
	struct stat sb;
	uint8_t *data;
	size_t len;

	if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &sb) == -1) {
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	len = (size_t)sb.st_size;
	data = malloc(len ? len : 1);
	if (data == NULL || fread(data, 1, len, fp) != len) {
		free(data);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

static void
run_file(const char *path)
{
	if (feed(path) == -1)
		printf("not ok %d - %s: cannot read\n", ++n, path);
	else
		printf("ok %d - %s\n", ++n, path);
	fflush(stdout);
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
run_dir(const char *dir)
{
	struct dirent *de;
	char **names = NULL, *p;
	size_t cnt = 0, i, len, bad = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		printf("not ok %d - %s: cannot open\n", ++n, dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		len = strlen(dir) + strlen(de->d_name) + 2;
		if ((p = malloc(len)) == NULL)
			abort();
		snprintf(p, len, "%s/%s", dir, de->d_name);
		names = realloc(names, (cnt + 1) * sizeof(*names));
		if (names == NULL)
			abort();
		names[cnt++] = p;
	}
	closedir(d);
	if (cnt > 1)
		qsort(names, cnt, sizeof(*names), cmp);
	for (i = 0; i < cnt; i++) {
		if (feed(names[i]) == -1)
			bad++;
		free(names[i]);
	}
	free(names);
	printf("%sok %d - %s: %zu inputs replayed%s\n", bad || cnt == 0 ?
	    "not " : "", ++n, dir, cnt, bad ? ", some unreadable" : "");
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct stat sb;
	int i;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			run_dir(argv[i]);
		else
			run_file(argv[i]);
	}
	printf("1..%d\n", n);
	return 0;
}
