#include "plugin_file.hpp"

#include <dirent.h>
#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace tg::conformance {
namespace {

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "libtg-ref.so" -> "ref"; "" for any other shape.
std::string name_of(const std::string& file) {
  const std::string prefix = "libtg-", suffix = ".so";
  if (file.size() <= prefix.size() + suffix.size() || file.compare(0, prefix.size(), prefix) != 0 ||
      file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0)
    return "";
  return file.substr(prefix.size(), file.size() - prefix.size() - suffix.size());
}

long count_entries(const char* dir) {
  DIR* d = opendir(dir);
  if (!d) return -1;
  long n = 0;
  while (const dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n;
}

template <class T>
T read_at(const std::vector<char>& bytes, uint64_t offset, const std::string& path) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T))
    throw std::runtime_error(path + ": truncated ELF file");
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

}  // namespace

PluginFile PluginFile::load(const std::string& path) {
  PluginFile f;
  f.path = path;
  f.name_from_file = name_of(base_name(path));
  f.threads_before = thread_count();
  const tg::sdk::PluginLibrary lib = tg::sdk::open_plugin_library(path);
  f.handle = lib.handle;
  f.get_api = lib.get_api;
  f.probe = lib.probe;
  f.load_error = lib.error;
  if (!f.get_api) return f;
  f.api = f.get_api(TG_ABI_MAJOR, TG_ABI_MINOR);
  f.threads_after = thread_count();
  return f;
}

std::vector<std::string> exported_symbols(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < EI_NIDENT || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0)
    throw std::runtime_error(path + " is not an ELF file");
  if (bytes[EI_CLASS] != ELFCLASS64) throw std::runtime_error(path + " is not a 64-bit ELF file");
  const auto eh = read_at<Elf64_Ehdr>(bytes, 0, path);
  if (eh.e_shentsize != sizeof(Elf64_Shdr)) throw std::runtime_error(path + ": unexpected section header size");
  std::vector<std::string> names;
  for (uint16_t s = 0; s < eh.e_shnum; ++s) {
    const auto sh = read_at<Elf64_Shdr>(bytes, eh.e_shoff + uint64_t{s} * sizeof(Elf64_Shdr), path);
    if (sh.sh_type != SHT_DYNSYM || sh.sh_entsize != sizeof(Elf64_Sym)) continue;
    const auto strtab = read_at<Elf64_Shdr>(bytes, eh.e_shoff + uint64_t{sh.sh_link} * sizeof(Elf64_Shdr), path);
    for (uint64_t k = 1; k < sh.sh_size / sizeof(Elf64_Sym); ++k) {
      const auto sym = read_at<Elf64_Sym>(bytes, sh.sh_offset + k * sizeof(Elf64_Sym), path);
      const unsigned bind = ELF64_ST_BIND(sym.st_info), vis = ELF64_ST_VISIBILITY(sym.st_other);
      if (sym.st_shndx == SHN_UNDEF) continue;
      if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE) continue;
      if (vis != STV_DEFAULT && vis != STV_PROTECTED) continue;
      if (sym.st_name >= strtab.sh_size) throw std::runtime_error(path + ": a symbol name lies outside .dynstr");
      const char* name = bytes.data() + strtab.sh_offset + sym.st_name;
      const size_t max = strtab.sh_size - sym.st_name;
      names.emplace_back(name, strnlen(name, max));
    }
  }
  return names;
}

long thread_count() { return count_entries("/proc/self/task"); }
long open_fd_count() { return count_entries("/proc/self/fd"); }

long resident_bytes() {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      long kb = 0;
      in >> kb;
      return kb * 1024;
    }
    std::getline(in, key);
  }
  return -1;
}

}  // namespace tg::conformance
