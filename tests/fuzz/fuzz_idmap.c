/* Id maps: the input is a JSON array used as linux.uidMappings and as a
 * bind mount's uidMappings; after the first newline, the rest is the
 * gidMappings (both the same when there is no newline). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t ulen = nl ? (size_t)(nl - data) : size;
	const uint8_t *gid = nl ? nl + 1 : data;
	size_t glen = nl ? size - ulen - 1 : size;
	static const char part0[] =
		"{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"},"
		" \"mounts\": [{\"destination\": \"/m\", \"type\": \"bind\","
		" \"source\": \"/s\", \"options\": [\"rbind\", \"idmap\"],"
		" \"uidMappings\": ";
	static const char part2[] =
		"}], \"linux\": {\"namespaces\": [{\"type\": \"user\"}],"
		" \"uidMappings\": ";
	static const char *const parts[] = {
		part0, ", \"gidMappings\": ", part2, ", \"gidMappings\": ", "}}",
	};
	size_t total = 0;
	for (size_t i = 0; i < 5; i++)
		total += strlen(parts[i]);
	total += 2 * ulen + 2 * glen;
	char *text = malloc(total + 1);
	if (!text)
		return 0;
	char *p = text;
#define PUT(s, n) (memcpy(p, (s), (n)), p += (n))
	PUT(parts[0], strlen(parts[0]));
	PUT(data, ulen);
	PUT(parts[1], strlen(parts[1]));
	PUT(gid, glen);
	PUT(parts[2], strlen(parts[2]));
	PUT(data, ulen);
	PUT(parts[3], strlen(parts[3]));
	PUT(gid, glen);
	PUT(parts[4], strlen(parts[4]));
#undef PUT
	*p = '\0';
	fuzz_parse(text, total);
	free(text);
	return 0;
}
