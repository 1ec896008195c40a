/* Fails if tg/plugin.h changed what ABI 1.0 fixed: a field's offset or size, a FROZEN struct's
 * size, a struct that shrank, or an enum / #define value. Prints every difference. */
#include <stdio.h>
#include <string.h>

#include "abi_layout.h"

int main(void) {
  size_t n_frozen = 0, n_current = 0, i, failures = 0;
  const struct abi_fact* frozen = abi_frozen_facts(&n_frozen);
  const struct abi_fact* current = abi_current_facts(&n_current);
  if (n_frozen != n_current) {
    printf("the two tables differ in length (%zu, %zu): a build problem\n", n_frozen, n_current);
    return 1;
  }
  for (i = 0; i < n_frozen; ++i) {
    const struct abi_fact* a = &frozen[i];
    const struct abi_fact* b = &current[i];
    int ok = strcmp(a->what, b->what) == 0 && (a->kind == 1 ? b->value >= a->value : b->value == a->value);
    if (!ok) {
      printf("ABI 1.0 broken: %s was %llu, is now %llu%s\n", a->what, a->value, b->value,
             a->kind == 1 ? " (a struct may only grow)" : a->kind == 2 ? " (a FROZEN struct never changes size)" : "");
      ++failures;
    }
  }
  if (failures) {
    printf("%zu of %zu facts of ABI 1.0 changed\n", failures, n_frozen);
    return 1;
  }
  printf("ABI 1.0: all %zu offsets, sizes and values unchanged\n", n_frozen);
  return 0;
}
