/* util/memcpy_small.c (the static build's small copies): every length
 * from 0 to 40 at every alignment of source and destination copies
 * exactly those bytes and touches nothing around them; longer ones go to
 * __real_memcpy, here the C library's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

void *__real_memcpy(void *restrict dst, const void *restrict src, size_t n);
void *__wrap_memcpy(void *restrict dst, const void *restrict src, size_t n);

static size_t real_calls;

void *__real_memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	real_calls++;
	return memmove(dst, src, n);
}

static void every_length_and_alignment(void **state)
{
	(void)state;
	unsigned char src[64], dst[64], want[64];
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7 + 1);
	for (size_t n = 0; n <= 40; n++) {
		for (size_t so = 0; so < 8; so++) {
			for (size_t doff = 0; doff < 8; doff++) {
				memset(dst, 0xee, sizeof(dst));
				memset(want, 0xee, sizeof(want));
				for (size_t i = 0; i < n; i++)
					want[doff + i] = src[so + i];
				size_t before = real_calls;
				void *r = __wrap_memcpy(dst + doff, src + so, n);
				assert_ptr_equal(r, dst + doff);
				assert_memory_equal(dst, want, sizeof(dst));
				/* only the long ones leave here */
				assert_int_equal(real_calls - before, n > 16);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_length_and_alignment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
