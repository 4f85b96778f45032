/* Placeholder until the networking work lands (issue 5). */
#include "net/net.h"
