#pragma once
// Checks that bytes are an AMDGPU code object for a given target holding a given kernel: an ELF64
// file for EM_AMDGPU (224) whose e_flags name the target's processor (EF_AMDGPU_MACH_*, from
// LLVM's ELF.h) and whose symbols include the kernel descriptor "<entry>.kd".
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace hiptest {

// EF_AMDGPU_MACH_* of the targets the tests know; 0 for any other.
inline uint32_t amdgpu_mach(const std::string& arch) {
  const std::string base = arch.substr(0, arch.find(':'));  // "gfx90a:sramecc+:xnack-" -> "gfx90a"
  if (base == "gfx906") return 0x2f;
  if (base == "gfx908") return 0x30;
  if (base == "gfx90a") return 0x3f;
  if (base == "gfx1030") return 0x36;
  if (base == "gfx1100") return 0x41;
  return 0;
}

// "" when `code` is a code object for arch that defines entry; else what is wrong.
inline std::string check_code_object(const std::vector<char>& code, const std::string& arch, const std::string& entry) {
  if (code.size() < 64) return "code object of " + std::to_string(code.size()) + " bytes is too small for an ELF header";
  const auto* b = reinterpret_cast<const unsigned char*>(code.data());
  if (std::memcmp(b, "\x7f" "ELF", 4) != 0) return "not an ELF file";
  if (b[4] != 2) return "not a 64-bit ELF file";
  uint16_t machine;
  uint32_t flags;
  std::memcpy(&machine, b + 18, 2);
  std::memcpy(&flags, b + 48, 4);
  if (machine != 224) return "ELF e_machine is " + std::to_string(machine) + ", not EM_AMDGPU (224)";
  const uint32_t want = amdgpu_mach(arch);
  if (want == 0) return "the test does not know the EF_AMDGPU_MACH value of " + arch;
  if ((flags & 0xff) != want) {
    char text[96];
    std::snprintf(text, sizeof text, "ELF e_flags name processor 0x%02x, not 0x%02x", flags & 0xff, want);
    return text + (" (" + arch + ")");
  }
  const std::string symbol = entry + ".kd";
  if (std::string(code.begin(), code.end()).find(symbol + '\0') == std::string::npos)
    return "no kernel descriptor symbol " + symbol;
  return "";
}

}  // namespace hiptest
