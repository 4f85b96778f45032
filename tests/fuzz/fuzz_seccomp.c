/* linux.seccomp: the input is the seccomp object, wrapped into a minimal
 * config.json. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	char *text = fuzz_wrap("{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": "
			       "\"rootfs\"}, \"linux\": {\"seccomp\": ",
			       data, size, "}}", &len);
	if (!text)
		return 0;
	fuzz_parse(text, len);
	free(text);
	return 0;
}
