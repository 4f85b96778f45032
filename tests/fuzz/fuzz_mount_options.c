/* Mount options: the input is a list of option words separated by NUL or
 * newline, handed to oci_mount_parse_options(); then the same words as a
 * JSON options array inside a config. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_flag_word(const char *w)
{
	static const char *const words[] = {
		"ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec",
		"bind", "rbind", "shared", "rprivate", "tmpcopyup", "idmap",
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(w, words[i]) == 0)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	char **opts = calloc(size + 2, sizeof(char *));
	if (!copy || !opts)
		goto out;
	memcpy(copy, data, size);
	copy[size] = '\0';
	size_t n = 0;
	char *start = copy;
	for (size_t i = 0; i <= size; i++) {
		if (i == size || copy[i] == '\0' || copy[i] == '\n') {
			copy[i] = '\0';
			opts[n++] = start;
			start = copy + i + 1;
		}
	}
	opts[n] = NULL;

	struct oci_mount m = { 0 };
	struct cell_err e;
	m.options = opts;
	if (oci_mount_parse_options(&m, &e) == 0) {
		FUZZ_CHECK((m.flags & m.clear_flags) == 0);
		FUZZ_CHECK(!m.recursive || m.bind);
		/* Words the kernel does not take as data never reach it
		 * (unless a word hides them behind a comma: "a,ro"). */
		bool comma = false;
		for (size_t i = 0; i < n; i++)
			comma |= strchr(opts[i], ',') != NULL;
		if (m.data && !comma) {
			char *d = strdup(m.data);
			for (char *s, *w = strtok_r(d, ",", &s); w;
			     w = strtok_r(NULL, ",", &s))
				FUZZ_CHECK(!is_flag_word(w));
			free(d);
		}
		free(m.data);
	}

	/* The same words through the JSON path. */
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_stringn(opts[i], strlen(opts[i])));
	json_t *doc = json_pack("{s:s, s:{s:s}, s:[{s:s, s:s, s:o}]}",
				"ociVersion", "1.2.0", "root", "path", "rootfs",
				"mounts", "destination", "/m", "type", "tmpfs",
				"options", arr);
	char *text = doc ? json_dumps(doc, 0) : NULL;
	if (text)
		fuzz_parse(text, strlen(text));
	free(text);
	json_decref(doc);
out:
	free(opts);
	free(copy);
	return 0;
}
