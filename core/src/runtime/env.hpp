#pragma once
// Every TG_* environment variable tg reads, declared in one table (env.cpp) with its default
// and help. Read them only through these functions.
#include <string>

namespace tg::detail {

std::string env_str(const char* name);  // the value, or the table's default
int env_int(const char* name);          // the value as an integer (0 if not a number)

}  // namespace tg::detail
