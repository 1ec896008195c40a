// StateDict, get_state_dict and load_state_dict.
#include <algorithm>

#include "tg/nn.hpp"

namespace tg::nn::state {
namespace {

std::string known_keys(const std::vector<StateDict::value_type>& items) {
  std::string s;
  size_t shown = 0;
  for (const auto& [k, v] : items) {
    if (shown == 8) return s + ", ...";
    s += (shown++ ? ", " : "") + k;
  }
  return s.empty() ? "(none: the dict is empty)" : s;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); i++) s += (i ? ", " : "") + v[i];
  return s;
}

// A checkpoint that wraps the state dict ({"model": state_dict} flattens to "model.0.weight";
// DataParallel saves "module.0.weight") misses every key of the model under one prefix: name it.
std::string prefix_hint(const std::vector<std::string>& missing, const StateDict& dict) {
  if (missing.empty()) return "";
  const std::string& first = missing[0];
  for (const auto& entry : dict) {
    const std::string& name = entry.first;
    if (name.size() <= first.size() + 1 || name.compare(name.size() - first.size(), first.size(), first) != 0 ||
        name[name.size() - first.size() - 1] != '.')
      continue;
    const std::string prefix = name.substr(0, name.size() - first.size());
    if (std::all_of(missing.begin(), missing.end(), [&](const std::string& m) { return dict.contains(prefix + m); }))
      return "\n  every missing key is in the dict under the prefix \"" + prefix +
             "\" (a checkpoint that wraps the state dict): load a dict of those entries with the prefix removed";
  }
  return "";
}

}  // namespace

Tensor& StateDict::at(const std::string& name) {
  auto it = index_.find(name);
  if (it == index_.end()) throw Error("StateDict: no tensor named \"" + name + "\"; it holds " + known_keys(items_));
  return items_[it->second].second;
}

const Tensor& StateDict::at(const std::string& name) const { return const_cast<StateDict*>(this)->at(name); }

Tensor& StateDict::operator[](const std::string& name) {
  auto it = index_.find(name);
  if (it != index_.end()) return items_[it->second].second;
  index_.emplace(name, items_.size());
  items_.push_back({name, Tensor()});
  return items_.back().second;
}

void StateDict::set(const std::string& name, Tensor t) { (*this)[name] = std::move(t); }

StateDict get_state_dict(const Module& module) {
  StateDict d;
  for (auto& [name, t] : module.named_tensors()) d.set(name, t);
  return d;
}

void load_state_dict(Module& module, const StateDict& dict, bool strict) {
  std::vector<std::string> missing, unexpected, mismatched;
  std::vector<std::pair<Tensor, Tensor>> todo;
  auto mine = module.named_tensors();
  for (auto& [name, t] : mine) {
    if (!dict.contains(name)) {
      missing.push_back(name);
      continue;
    }
    const Tensor& v = dict.at(name);
    if (!v.defined()) {
      mismatched.push_back(name + " (the dict's tensor is empty)");
    } else if (v.shape() != t.shape()) {
      mismatched.push_back(name + " (model " + t.shape().to_string() + ", dict " + v.shape().to_string() + ")");
    } else {
      todo.push_back({t, v});
    }
  }
  for (const auto& entry : dict) {  // not a structured binding: C++17 lambdas cannot capture one (clang refuses)
    const std::string& name = entry.first;
    if (std::none_of(mine.begin(), mine.end(), [&](const auto& p) { return p.first == name; })) unexpected.push_back(name);
  }
  std::string problems;
  if (!mismatched.empty()) problems += "\n  shape mismatch: " + join(mismatched);
  if (strict && !missing.empty())
    problems += "\n  missing keys: " + join(missing) + prefix_hint(missing, dict);
  if (strict && !unexpected.empty()) problems += "\n  unexpected keys: " + join(unexpected);
  if (!problems.empty())
    throw Error("load_state_dict: the state dict does not fit the model:" + problems +
                (strict ? "\n  (strict=false ignores missing and unexpected keys, not shape mismatches)" : ""));
  for (auto& [t, v] : todo) {
    Tensor value = v.dtype() == t.dtype() ? v : v.cast(t.dtype());
    t.assign(value);  // copies to the module tensor's device if needed
    t.realize();
  }
}

}  // namespace tg::nn::state
