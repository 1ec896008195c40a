// ModuleList and ModuleDict: own their modules and register them as named children.
#include "tg/nn_containers.hpp"

namespace tg::nn {

ModuleList::ModuleList(std::initializer_list<std::shared_ptr<Module>> modules) {
  for (const auto& m : modules) push_back(m);
}

ModuleList& ModuleList::push_back(std::shared_ptr<Module> module) {
  if (!module) throw Error("ModuleList::push_back: the module is an empty std::shared_ptr");
  register_module(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
  return *this;
}

std::shared_ptr<Module> ModuleList::ptr(int64_t i) const {
  const auto n = static_cast<int64_t>(modules_.size());
  if (i < -n || i >= n)
    throw Error("ModuleList: index " + std::to_string(i) + " is out of range for a list of " + std::to_string(n) +
                " modules");
  return modules_[static_cast<size_t>(i < 0 ? i + n : i)];
}

ModuleDict::ModuleDict(std::initializer_list<std::pair<std::string, std::shared_ptr<Module>>> modules) {
  for (const auto& [name, m] : modules) insert(name, m);
}

ModuleDict& ModuleDict::insert(const std::string& name, std::shared_ptr<Module> module) {
  if (!module) throw Error("ModuleDict::insert: the module for \"" + name + "\" is an empty std::shared_ptr");
  if (contains(name)) throw Error("ModuleDict::insert: \"" + name + "\" is already in the dict");
  register_module(name, module);  // checks the name
  modules_.push_back({name, std::move(module)});
  return *this;
}

bool ModuleDict::contains(const std::string& name) const {
  for (const auto& [n, m] : modules_)
    if (n == name) return true;
  return false;
}

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> out;
  for (const auto& [n, m] : modules_) out.push_back(n);
  return out;
}

std::shared_ptr<Module> ModuleDict::ptr(const std::string& name) const {
  for (const auto& [n, m] : modules_)
    if (n == name) return m;
  std::string have;
  for (const auto& [n, m] : modules_) have += (have.empty() ? "" : ", ") + n;
  throw Error("ModuleDict: no module named \"" + name + "\"; it holds: " + (have.empty() ? "(nothing)" : have));
}

}  // namespace tg::nn
