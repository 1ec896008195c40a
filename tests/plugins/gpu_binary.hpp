#pragma once
// Checks that bytes are a GPU binary for a given target holding a given kernel: an ELF64 file for
// the GPU's e_machine whose e_flags name the target's processor, and which defines the kernel.
//   AMDGPU code objects (hiprtc): EM_AMDGPU (224); EF_AMDGPU_MACH_* in e_flags bits 0..7 (from
//     LLVM's ELF.h); the kernel descriptor symbol "<entry>.kd".
//   cubins (nvrtc): EM_CUDA (190); the SM in e_flags bits 8..15 in the ELF ABI version 8 that
//     CUDA 12.8+ writes (sm_90: 0x5a00), in bits 0..7 before it; the code section ".text.<entry>".
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace gputest {

// The ELF header fields the checks read.
struct ElfHeader {
  uint16_t machine = 0;
  uint32_t flags = 0;
  unsigned abi_version = 0;
};

// "" and the header when `code` is a 64-bit ELF file for e_machine `machine`; else what is wrong.
inline std::string read_elf_header(const std::vector<char>& code, uint16_t machine, const char* machine_name,
                                   ElfHeader& h) {
  if (code.size() < 64) return "binary of " + std::to_string(code.size()) + " bytes is too small for an ELF header";
  const auto* b = reinterpret_cast<const unsigned char*>(code.data());
  if (std::memcmp(b, "\x7f" "ELF", 4) != 0) return "not an ELF file";
  if (b[4] != 2) return "not a 64-bit ELF file";
  std::memcpy(&h.machine, b + 18, 2);
  std::memcpy(&h.flags, b + 48, 4);
  h.abi_version = b[8];
  if (h.machine != machine)
    return "ELF e_machine is " + std::to_string(h.machine) + ", not " + machine_name + " (" + std::to_string(machine) + ")";
  return "";
}

// "" when the binary has the NUL-terminated name (a symbol or a section); else `missing`.
inline std::string holds_name(const std::vector<char>& code, const std::string& name, const std::string& missing) {
  return std::string(code.begin(), code.end()).find(name + '\0') == std::string::npos ? missing : "";
}

// EF_AMDGPU_MACH_* of the AMD targets the tests know; 0 for any other.
inline uint32_t amdgpu_mach(const std::string& arch) {
  const std::string base = arch.substr(0, arch.find(':'));  // "gfx90a:sramecc+:xnack-" -> "gfx90a"
  if (base == "gfx906") return 0x2f;
  if (base == "gfx908") return 0x30;
  if (base == "gfx90a") return 0x3f;
  if (base == "gfx1030") return 0x36;
  if (base == "gfx1100") return 0x41;
  return 0;
}

// "" when `code` is an AMDGPU code object for arch that defines entry; else what is wrong.
inline std::string check_code_object(const std::vector<char>& code, const std::string& arch, const std::string& entry) {
  ElfHeader h;
  std::string wrong = read_elf_header(code, 224, "EM_AMDGPU", h);
  if (!wrong.empty()) return wrong;
  const uint32_t want = amdgpu_mach(arch);
  if (want == 0) return "the test does not know the EF_AMDGPU_MACH value of " + arch;
  if ((h.flags & 0xff) != want) {
    char text[96];
    std::snprintf(text, sizeof text, "ELF e_flags name processor 0x%02x, not 0x%02x", h.flags & 0xff, want);
    return text + (" (" + arch + ")");
  }
  return holds_name(code, entry + ".kd", "no kernel descriptor symbol " + entry + ".kd");
}

// "" when `code` is a cubin for sm that defines entry; else what is wrong.
inline std::string check_cubin(const std::vector<char>& code, int sm, const std::string& entry) {
  ElfHeader h;
  std::string wrong = read_elf_header(code, 190, "EM_CUDA", h);
  if (!wrong.empty()) return wrong;
  const unsigned got = h.abi_version >= 8 ? (h.flags >> 8) & 0xff : h.flags & 0xff;
  if (got != static_cast<unsigned>(sm)) {
    char text[128];
    std::snprintf(text, sizeof text, "ELF e_flags 0x%08x (ABI version %u) name sm_%u, not sm_%d", h.flags, h.abi_version, got, sm);
    return text;
  }
  return holds_name(code, ".text." + entry, "no code section .text." + entry);
}

}  // namespace gputest
