#pragma once
// A restricted unpickler: reads Python's pickle format (the protocol 2 to 5 opcodes that
// torch.save writes, and their close relatives) into a tree of plain values. It never imports or
// calls anything: every global, persistent id, call and BUILD goes to the caller's Hooks, which
// build what they allow and throw tg::Error for the rest.
//
// The file is not trusted. One loop over the opcodes with an explicit stack (no recursion the
// data can drive); every length is checked against the bytes left before anything is allocated;
// the stack, the marks, the memo, the number of values and the nesting depth are bounded. A value
// placed inside another is frozen (never changed again), so the tree has no cycles.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tg::detail::pickle {

struct Value;
using Ref = std::shared_ptr<Value>;

struct Value {
  enum class Kind { none, boolean, integer, real, string, bytes, tuple, list, dict, global, object };
  Kind kind = Kind::none;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;                          // string, bytes; global: "module.name"
  std::vector<Ref> items;                    // tuple, list
  std::vector<std::pair<Ref, Ref>> entries;  // dict, in insertion order
  // object: what a hook built (a storage, a tensor), opaque here; tag says which kind.
  std::shared_ptr<void> object;
  int tag = 0;
  int depth = 0;        // container levels below this value (a scalar has 0)
  bool frozen = false;  // placed inside another value, so never changed again

  bool is(Kind k) const { return kind == k; }
};

// What the caller allows. Each may throw tg::Error with the problem (the unpickler adds where).
struct Hooks {
  virtual ~Hooks() = default;
  // GLOBAL / STACK_GLOBAL: a value standing for module.name.
  virtual Ref find_class(const std::string& module, const std::string& name) = 0;
  // BINPERSID: the object a persistent id names.
  virtual Ref persistent_load(const Ref& pid) = 0;
  // REDUCE: callable (a value find_class returned) applied to args (a tuple).
  virtual Ref call(const Ref& callable, const Ref& args) = 0;
  // BUILD: state (an object's __dict__ or __setstate__ argument) set on obj.
  virtual void build(const Ref& obj, const Ref& state) = 0;
};

struct Limits {
  size_t max_stack = size_t{1} << 20;   // values on the stack at once
  size_t max_marks = size_t{1} << 16;   // open MARKs
  size_t max_memo = size_t{1} << 22;    // memo entries
  size_t max_values = size_t{1} << 22;  // values made (a torch.save state dict makes ~15 a tensor)
  size_t max_pushes = size_t{1} << 24;  // values pushed, copies from the memo included
  int max_depth = 100;                  // nesting of tuples, lists and dicts
};

// Runs the pickle data[0, size) and returns what STOP leaves on the stack. Errors are tg::Errors
// "<who>: <problem> (pickle byte N, opcode X)".
Ref unpickle(const uint8_t* data, size_t size, Hooks& hooks, const std::string& who, const Limits& limits = {});

// A short description of a value for messages ("a str 'abc'", "a tuple of 3 values").
std::string describe(const Value& v);

}  // namespace tg::detail::pickle
