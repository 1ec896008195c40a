/* The layout of every 1.0 struct field, struct and value, measured by the compiler on whichever
 * tg/plugin.h the include path finds first. Compiled twice as C: with the frozen 1.0 copy
 * (v1_0/) as abi_frozen_facts, and with the current sdk/include as abi_current_facts. The list of
 * what to measure (abi_1_0_fields.h) is generated from the frozen copy by abi_generate.cmake. */
#include <stddef.h>

#include "abi_layout.h"
#include "tg/plugin.h"

#define TG_ABI_STRUCT(T, frozen) {"sizeof " #T, sizeof(T), (frozen) ? 2 : 1},
#define TG_ABI_FIELD(T, f) {"offsetof " #T "." #f, offsetof(T, f), 0}, {"sizeof " #T "." #f, sizeof(((T*)0)->f), 0},
#define TG_ABI_VALUE(N) {#N, (unsigned long long)(N), 0},

static const struct abi_fact facts[] = {
#include "abi_1_0_fields.h"
};

const struct abi_fact* ABI_FACTS_NAME(size_t* count) {
  *count = sizeof facts / sizeof facts[0];
  return facts;
}
