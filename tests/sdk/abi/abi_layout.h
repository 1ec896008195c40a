/* One measured fact about the ABI: "sizeof tg_x", "offsetof tg_x.f", "sizeof tg_x.f" or an
 * enum/#define name, with its value. abi_layout.c builds the table from the frozen 1.0 list. */
#ifndef TG_ABI_LAYOUT_H
#define TG_ABI_LAYOUT_H
#include <stddef.h>

struct abi_fact {
  const char* what;
  unsigned long long value;
  int kind; /* 0: must be equal; 1: a struct's size, may grow; 2: a FROZEN struct's size */
};

const struct abi_fact* abi_frozen_facts(size_t* count);
const struct abi_fact* abi_current_facts(size_t* count);

#endif
