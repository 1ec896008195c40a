#pragma once
// The conformance suite's side of the ABI: host services (error_create, log) and the errors
// they create, taken back as plain Status values (the SDK's, tg/host.hpp). The suite is its own
// host: it does not use libtg, so what it tests is exactly the ABI.
#include <cstdint>
#include <string>
#include <vector>

#include "tg/host.hpp"
#include "tg/plugin.h"

namespace tg::conformance {

using tg::sdk::Status;
using tg::sdk::take;

// The host services given to every initialize: errors are the SDK's host errors, log lines
// are kept (and printed when verbose).
const tg_host_services& host_services();
void set_log_echo(bool echo);
std::vector<std::string> take_log_lines();

// Checks an error returned for a call that must fail: the code is `want` and the message is
// non-empty UTF-8. Returns "" when it is, else what is wrong (naming `call`).
std::string expect_error(const std::string& call, const Status& got, int32_t want);

bool valid_utf8(const std::string& s);

}  // namespace tg::conformance
