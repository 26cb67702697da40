/* test-buf.c: the bounded buffer */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tap.h"

int
main(void)
{
	struct buf b = BUF_INIT(10);
	char *s;
	size_t n;

	is_str(buf_str(&b), "", "an unused buffer reads as empty");
	ok(buf_addstr(&b, "hello") == 0, "append within the limit");
	ok(buf_printf(&b, "%d", 12345) == 0, "printf up to the limit");
	is_str(buf_str(&b), "hello12345", "contents");
	ok(buf_addch(&b, 'x') == -1, "one byte over the limit fails");
	is_str(buf_str(&b), "hello12345", "a failed append changes nothing");
	ok(buf_printf(&b, "%s", "abc") == -1, "printf over the limit fails");
	is_int((long long)b.len, 10, "length unchanged");
	buf_reset(&b);
	is_str(buf_str(&b), "", "reset empties");
	buf_addstr(&b, "ab \t\r\n");
	buf_rtrim(&b);
	is_str(buf_str(&b), "ab", "rtrim");
	s = buf_detach(&b, &n);
	is_str(s, "ab", "detach hands over the string");
	is_int((long long)n, 2, "detach gives the length");
	is_str(buf_str(&b), "", "detached buffer is empty");
	free(s);
	buf_free(&b);
	buf_free(&b);
	ok(b.data == NULL && b.len == 0, "buf_free twice is safe");

	buf_init(&b, 1 << 20);
	for (n = 0; n < 200000; n++)
		if (buf_add(&b, "0123456789", 10) == -1)
			break;
	is_int((long long)b.len, (1 << 20) / 10 * 10,
	    "growth stops at the limit");
	ok(b.data[b.len] == '\0', "always NUL-terminated");
	buf_free(&b);
	return tap_done();
}
