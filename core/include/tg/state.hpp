#pragma once
// tg::nn::state: state dicts, safetensors files and PyTorch checkpoints (included by tg/nn.hpp).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tg/tensor.hpp"

namespace tg::nn {
class Module;

namespace state {

// Name -> Tensor, in insertion order. Tensors are handles: a state dict taken from a module
// shares its tensors, so assign() on an entry changes the module.
class StateDict {
 public:
  using value_type = std::pair<std::string, Tensor>;
  using iterator = std::vector<value_type>::iterator;
  using const_iterator = std::vector<value_type>::const_iterator;

  // The tensor named name; throws tg::Error naming the key (and a few that exist) if absent.
  Tensor& at(const std::string& name);
  const Tensor& at(const std::string& name) const;
  // The tensor named name, inserting an empty one at the end if absent (as std::map).
  Tensor& operator[](const std::string& name);
  // Inserts or replaces.
  void set(const std::string& name, Tensor t);
  bool contains(const std::string& name) const { return index_.count(name) > 0; }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  // safe_load fills this with the file's "__metadata__" (string -> string); safe_save writes it.
  // torch_load fills it with the file's numbers and strings (an epoch, a learning rate) as text.
  std::map<std::string, std::string> metadata;

 private:
  std::vector<value_type> items_;
  std::unordered_map<std::string, size_t> index_;
};

// Every parameter and buffer of module under its dotted name (PyTorch's state_dict()).
StateDict get_state_dict(const Module& module);
// Assigns dict's tensors to module's (cast to the module tensor's dtype, copied to its device)
// and realizes them. A shape mismatch is always an error; with strict, missing and unexpected
// keys are too. The error names every offending key.
void load_state_dict(Module& module, const StateDict& dict, bool strict = true);

// The safetensors format: an 8-byte little-endian header length, a JSON header
// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}, then the data.
// Tensors keep their dtype (BOOL U8 I8 I16 I32 I64 F16 BF16 F32 F64).
void safe_save(const StateDict& dict, const std::string& path);
// Reads a whole file; tensors are created on the default device (or device, if given).
// Malformed files throw tg::Error naming the file and the problem.
StateDict safe_load(const std::string& path, std::optional<std::string> device = std::nullopt);
// The same from bytes already in memory; `name` is used in error messages.
StateDict safe_load_bytes(const std::vector<uint8_t>& bytes, const std::string& name = "<memory>",
                          std::optional<std::string> device = std::nullopt);
std::vector<uint8_t> safe_save_bytes(const StateDict& dict);

// PyTorch's torch.save files (the zip format of PyTorch >= 1.6). A restricted unpickler builds
// tensors (every dtype tg has; any strides and offsets, materialized row-major; storages shared
// by several tensors), dicts and lists and nothing else: any other global in the file (a class, a
// function such as os.system) is refused with a tg::Error, and no code from the file ever runs.
// Nested dicts and lists flatten to dotted names ({"model": {"fc.weight": t}} -> "model.fc.weight",
// a list's items by index); numbers, strings, booleans and None go to the result's metadata as
// text. Tensors are created on the default device (or device, if given). Malformed or hostile
// files throw tg::Error naming the file and the problem.
StateDict torch_load(const std::string& path, std::optional<std::string> device = std::nullopt);
// The same from bytes already in memory; `name` is used in error messages.
StateDict torch_load_bytes(const std::vector<uint8_t>& bytes, const std::string& name = "<memory>",
                           std::optional<std::string> device = std::nullopt);

}  // namespace state
}  // namespace tg::nn
