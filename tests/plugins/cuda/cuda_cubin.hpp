#pragma once
// Checks that bytes are a cubin for a given NVIDIA architecture holding a given kernel: an ELF64
// file for EM_CUDA (190) whose e_flags name the SM version, and whose sections include the
// kernel's code ".text.<entry>". The SM sits in e_flags bits 8..15 in the ELF ABI version 8 that
// CUDA 12.8+ writes (sm_90: 0x5a00), in bits 0..7 before it.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace cudatest {

// "" when `code` is a cubin for sm that defines entry; else what is wrong.
inline std::string check_cubin(const std::vector<char>& code, int sm, const std::string& entry) {
  if (code.size() < 64) return "cubin of " + std::to_string(code.size()) + " bytes is too small for an ELF header";
  const auto* b = reinterpret_cast<const unsigned char*>(code.data());
  if (std::memcmp(b, "\x7f" "ELF", 4) != 0) return "not an ELF file";
  if (b[4] != 2) return "not a 64-bit ELF file";
  uint16_t machine;
  uint32_t flags;
  std::memcpy(&machine, b + 18, 2);
  std::memcpy(&flags, b + 48, 4);
  if (machine != 190) return "ELF e_machine is " + std::to_string(machine) + ", not EM_CUDA (190)";
  const unsigned abi_version = b[8];
  const unsigned got = abi_version >= 8 ? (flags >> 8) & 0xff : flags & 0xff;
  if (got != static_cast<unsigned>(sm)) {
    char text[128];
    std::snprintf(text, sizeof text, "ELF e_flags 0x%08x (ABI version %u) name sm_%u, not sm_%d", flags, abi_version, got, sm);
    return text;
  }
  const std::string section = ".text." + entry;
  if (std::string(code.begin(), code.end()).find(section + '\0') == std::string::npos)
    return "no code section " + section;
  return "";
}

}  // namespace cudatest
