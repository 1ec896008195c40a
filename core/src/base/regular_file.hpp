#pragma once
// Opening a file a loader reads as data (safetensors, IDX): only regular files. A directory used
// to surface as std::ios_base::failure without its name, and a FIFO blocked the caller forever.
#include <cstdint>
#include <string>
#include <vector>

namespace tg::detail {

// A read-only descriptor of path, which must be a regular file; else a tg::Error that starts with
// `who` and names the path. The open itself never blocks (O_NONBLOCK, cleared once the file is
// known to be regular). The caller closes the descriptor.
int open_regular_file(const std::string& path, const std::string& who);

// The whole regular file at path (open_regular_file's checks, then its st_size bytes).
std::vector<uint8_t> read_regular_file(const std::string& path, const std::string& who);

}  // namespace tg::detail
