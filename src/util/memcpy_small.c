/* The static build only (meson: static_build, linked with
 * -Wl,--wrap=memcpy): small copies without a call into musl's memcpy.
 *
 * musl's x86_64 memcpy starts every copy with `rep movsq`, whose start-up
 * costs tens of cycles even for a count of 0, then copies the tail a byte
 * at a time.  jansson's parser appends each byte it reads to a buffer with
 * memcpy(.., 1): a config of 3 KB is 3,000 such calls, the people's config
 * (with its seccomp profile) ten times that, ~10% of the runtime's time.
 * Up to 16 bytes are copied here in two overlapping loads and stores;
 * anything longer goes to musl's. */
#include <stddef.h>
#include <stdint.h>

/* unaligned, and allowed to alias anything */
typedef uint64_t __attribute__((may_alias, aligned(1))) u64_any;
typedef uint32_t __attribute__((may_alias, aligned(1))) u32_any;
typedef uint16_t __attribute__((may_alias, aligned(1))) u16_any;

void *__real_memcpy(void *restrict dst, const void *restrict src, size_t n);
void *__wrap_memcpy(void *restrict dst, const void *restrict src, size_t n);

void *__wrap_memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (n > 16)
		return __real_memcpy(dst, src, n);
	if (n >= 8) {
		uint64_t a = *(const u64_any *)s, b = *(const u64_any *)(s + n - 8);
		*(u64_any *)d = a;
		*(u64_any *)(d + n - 8) = b;
	} else if (n >= 4) {
		uint32_t a = *(const u32_any *)s, b = *(const u32_any *)(s + n - 4);
		*(u32_any *)d = a;
		*(u32_any *)(d + n - 4) = b;
	} else if (n >= 2) {
		uint16_t a = *(const u16_any *)s, b = *(const u16_any *)(s + n - 2);
		*(u16_any *)d = a;
		*(u16_any *)(d + n - 2) = b;
	} else if (n) {
		*d = *s;
	}
	return dst;
}
