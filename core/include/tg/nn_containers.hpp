#pragma once
// tg::nn::ModuleList and tg::nn::ModuleDict: modules held in a list or by name, as PyTorch's.
// Both own their modules (std::shared_ptr) and register them as children, so parameters(),
// state dicts and train()/eval() reach everything they hold.
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tg/nn.hpp"

namespace tg::nn {

// Children are named "0", "1", ... (state-dict keys "0.weight", "1.bias", ... as in PyTorch):
//   tg::nn::ModuleList blocks;
//   for (int i = 0; i < 4; i++) blocks.emplace_back<Block>(d);
//   for (tg::nn::Module& b : blocks) ...;   Block& b0 = blocks.at<Block>(0);
class ModuleList : public Module {
 public:
  ModuleList() = default;
  ModuleList(std::initializer_list<std::shared_ptr<Module>> modules);

  ModuleList& push_back(std::shared_ptr<Module> module);
  template <typename M, typename... Args>
  M& emplace_back(Args&&... args) {
    auto m = std::make_shared<M>(std::forward<Args>(args)...);
    push_back(m);
    return *m;
  }
  size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  // The module at i; a negative i counts from the end (list[-1] is the last), as in Python.
  Module& operator[](int64_t i) const { return *ptr(i); }
  // The module at i as a T (throws a tg::Error if it is not one).
  template <typename T>
  T& at(int64_t i) const {
    auto* t = dynamic_cast<T*>(ptr(i).get());
    if (!t) throw Error("ModuleList::at: module " + std::to_string(i) + " is not of the requested type");
    return *t;
  }
  std::shared_ptr<Module> ptr(int64_t i) const;

  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Module;
    using difference_type = std::ptrdiff_t;
    using pointer = Module*;
    using reference = Module&;
    explicit Iterator(std::vector<std::shared_ptr<Module>>::const_iterator it) : it_(it) {}
    Module& operator*() const { return **it_; }
    Module* operator->() const { return it_->get(); }
    Iterator& operator++() {
      ++it_;
      return *this;
    }
    Iterator operator++(int) { return Iterator(it_++); }
    bool operator==(const Iterator& o) const { return it_ == o.it_; }
    bool operator!=(const Iterator& o) const { return it_ != o.it_; }

   private:
    std::vector<std::shared_ptr<Module>>::const_iterator it_;
  };
  Iterator begin() const { return Iterator(modules_.begin()); }
  Iterator end() const { return Iterator(modules_.end()); }

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

// Modules by name, in insertion order; the names are the children's (state-dict keys
// "encoder.weight", ...). Iteration yields (name, std::shared_ptr<Module>) pairs.
class ModuleDict : public Module {
 public:
  ModuleDict() = default;
  ModuleDict(std::initializer_list<std::pair<std::string, std::shared_ptr<Module>>> modules);

  // Adds module under name (a name already there throws: modules cannot be replaced once
  // their parameters may be in an optimizer).
  ModuleDict& insert(const std::string& name, std::shared_ptr<Module> module);
  template <typename M, typename... Args>
  M& emplace(const std::string& name, Args&&... args) {
    auto m = std::make_shared<M>(std::forward<Args>(args)...);
    insert(name, m);
    return *m;
  }
  size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  bool contains(const std::string& name) const;
  std::vector<std::string> keys() const;
  Module& operator[](const std::string& name) const { return *ptr(name); }
  template <typename T>
  T& at(const std::string& name) const {
    auto* t = dynamic_cast<T*>(ptr(name).get());
    if (!t) throw Error("ModuleDict::at: module \"" + name + "\" is not of the requested type");
    return *t;
  }
  std::shared_ptr<Module> ptr(const std::string& name) const;  // throws if absent

  using Items = std::vector<std::pair<std::string, std::shared_ptr<Module>>>;
  Items::const_iterator begin() const { return modules_.begin(); }
  Items::const_iterator end() const { return modules_.end(); }

 private:
  Items modules_;
};

}  // namespace tg::nn
