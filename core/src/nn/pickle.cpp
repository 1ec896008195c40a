// The restricted unpickler (pickle.hpp). Opcodes as in CPython's Lib/pickle.py and pickletools.
#include "nn/pickle.hpp"

#include <cstdio>
#include <cstring>
#include <new>
#include <unordered_map>

#include "base/internal_check.hpp"
#include "tg/error.hpp"

namespace tg::detail::pickle {
namespace {

// The opcodes read here, by name (for messages). Others are refused as unsupported.
const char* opcode_name(uint8_t op) {
  switch (op) {
    case 0x80: return "PROTO";
    case 0x95: return "FRAME";
    case '.': return "STOP";
    case '(': return "MARK";
    case '0': return "POP";
    case '1': return "POP_MARK";
    case '2': return "DUP";
    case 'N': return "NONE";
    case 0x88: return "NEWTRUE";
    case 0x89: return "NEWFALSE";
    case 'J': return "BININT";
    case 'K': return "BININT1";
    case 'M': return "BININT2";
    case 0x8a: return "LONG1";
    case 0x8b: return "LONG4";
    case 'G': return "BINFLOAT";
    case 'X': return "BINUNICODE";
    case 0x8c: return "SHORT_BINUNICODE";
    case 0x8d: return "BINUNICODE8";
    case 'T': return "BINSTRING";
    case 'U': return "SHORT_BINSTRING";
    case 'B': return "BINBYTES";
    case 'C': return "SHORT_BINBYTES";
    case 0x8e: return "BINBYTES8";
    case 0x96: return "BYTEARRAY8";
    case ')': return "EMPTY_TUPLE";
    case 't': return "TUPLE";
    case 0x85: return "TUPLE1";
    case 0x86: return "TUPLE2";
    case 0x87: return "TUPLE3";
    case ']': return "EMPTY_LIST";
    case 'l': return "LIST";
    case 'a': return "APPEND";
    case 'e': return "APPENDS";
    case '}': return "EMPTY_DICT";
    case 'd': return "DICT";
    case 's': return "SETITEM";
    case 'u': return "SETITEMS";
    case 'c': return "GLOBAL";
    case 0x93: return "STACK_GLOBAL";
    case 'R': return "REDUCE";
    case 'b': return "BUILD";
    case 'Q': return "BINPERSID";
    case 'q': return "BINPUT";
    case 'r': return "LONG_BINPUT";
    case 0x94: return "MEMOIZE";
    case 'h': return "BINGET";
    case 'j': return "LONG_BINGET";
    // Known but refused: they create objects of arbitrary classes, import through the extension
    // registry, or need out-of-band buffers or the text protocol 0.
    case 'i': return "INST";
    case 'o': return "OBJ";
    case 0x81: return "NEWOBJ";
    case 0x92: return "NEWOBJ_EX";
    case 0x82: return "EXT1";
    case 0x83: return "EXT2";
    case 0x84: return "EXT4";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    case 0x8f: return "EMPTY_SET";
    case 0x90: return "ADDITEMS";
    case 0x91: return "FROZENSET";
    case 'P': return "PERSID";
    case 'I': return "INT";
    case 'L': return "LONG";
    case 'F': return "FLOAT";
    case 'S': return "STRING";
    case 'V': return "UNICODE";
    case 'p': return "PUT";
    case 'g': return "GET";
    default: return nullptr;
  }
}

std::string opcode_text(uint8_t op) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02x", op);
  const char* name = opcode_name(op);
  return name ? std::string(name) + " (" + hex + ")" : std::string(hex);
}

std::string kind_name(Value::Kind k) {
  switch (k) {
    case Value::Kind::none: return "None";
    case Value::Kind::boolean: return "bool";
    case Value::Kind::integer: return "int";
    case Value::Kind::real: return "float";
    case Value::Kind::string: return "str";
    case Value::Kind::bytes: return "bytes";
    case Value::Kind::tuple: return "tuple";
    case Value::Kind::list: return "list";
    case Value::Kind::dict: return "dict";
    case Value::Kind::global: return "global";
    case Value::Kind::object: return "object";
  }
  return "value";
}

// Whether s is valid UTF-8 (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF), as
// Python decodes a pickle's str and as JSON (a safetensors header) requires.
bool valid_utf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    const unsigned c = p[i];
    size_t len;
    unsigned lo = 0x80, hi = 0xbf;  // the range of the second byte
    if (c < 0x80)
      len = 1;
    else if (c >= 0xc2 && c <= 0xdf)
      len = 2;
    else if (c >= 0xe0 && c <= 0xef)
      len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4)
      len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    else
      return false;
    if (n - i < len) return false;
    for (size_t k = 1; k < len; k++) {
      const unsigned b = p[i + k];
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf)) return false;
    }
    i += len;
  }
  return true;
}

class Machine {
 public:
  Machine(const uint8_t* data, size_t size, Hooks& hooks, const Limits& limits)
      : data_(data), size_(size), hooks_(hooks), limits_(limits) {}

  size_t op_at() const { return op_at_; }
  uint8_t op() const { return op_; }

  Ref run() {
    while (true) {
      op_at_ = pos_;
      op_ = take(1)[0];
      switch (op_) {
        case 0x80: {  // PROTO
          const uint8_t proto = take(1)[0];
          if (proto > 5) throw Error("pickle protocol " + std::to_string(proto) + " is newer than 5, the newest known");
          break;
        }
        case 0x95:  // FRAME: a length hint; the frame's bytes follow in the same stream
          if (uint_le(8) > size_ - pos_) throw Error("a FRAME claims more bytes than the pickle has left");
          break;
        case '.': {  // STOP
          if (!marks_.empty()) throw Error("STOP with a MARK still open");
          if (stack_.size() != 1)
            throw Error("STOP with " + std::to_string(stack_.size()) + " values on the stack, not 1");
          return stack_.back();
        }
        case '(':
          if (marks_.size() >= limits_.max_marks)
            throw Error("more than " + std::to_string(limits_.max_marks) + " MARKs open at once");
          marks_.push_back(stack_.size());
          break;
        case '0': pop(); break;
        case '1': pop_mark(); break;
        case '2': push(top()); break;
        case 'N': push(make(Value::Kind::none)); break;
        case 0x88: push(make_bool(true)); break;
        case 0x89: push(make_bool(false)); break;
        case 'J': push(make_int(static_cast<int32_t>(static_cast<uint32_t>(uint_le(4))))); break;
        case 'K': push(make_int(static_cast<int64_t>(uint_le(1)))); break;
        case 'M': push(make_int(static_cast<int64_t>(uint_le(2)))); break;
        case 0x8a: push(make_int(long_le(uint_le(1)))); break;
        case 0x8b: push(make_int(long_le(uint_le(4)))); break;
        case 'G': {  // 8 bytes, big-endian IEEE double
          const uint8_t* p = take(8);
          uint64_t bits = 0;
          for (int i = 0; i < 8; i++) bits = bits << 8 | p[i];
          auto v = make(Value::Kind::real);
          std::memcpy(&v->real, &bits, 8);
          push(v);
          break;
        }
        case 'X': push(make_text(Value::Kind::string, uint_le(4))); break;
        case 0x8c: push(make_text(Value::Kind::string, uint_le(1))); break;
        case 0x8d: push(make_text(Value::Kind::string, uint_le(8))); break;
        case 'T': {  // Python 2 str: a signed 4-byte length
          const int64_t n = static_cast<int32_t>(static_cast<uint32_t>(uint_le(4)));
          if (n < 0) throw Error("BINSTRING with a negative length");
          push(make_text(Value::Kind::string, static_cast<uint64_t>(n)));
          break;
        }
        case 'U': push(make_text(Value::Kind::string, uint_le(1))); break;
        case 'B': push(make_text(Value::Kind::bytes, uint_le(4))); break;
        case 'C': push(make_text(Value::Kind::bytes, uint_le(1))); break;
        case 0x8e: push(make_text(Value::Kind::bytes, uint_le(8))); break;
        case 0x96: push(make_text(Value::Kind::bytes, uint_le(8))); break;
        case ')': push(make_tuple({})); break;
        case 't': push(make_tuple(pop_mark())); break;
        case 0x85:
        case 0x86:
        case 0x87: {
          const size_t n = op_ - 0x84u;
          std::vector<Ref> items(n);
          for (size_t i = n; i-- > 0;) items[i] = pop();
          push(make_tuple(std::move(items)));
          break;
        }
        case ']': push(make(Value::Kind::list)); break;
        case 'l': {
          auto list = make(Value::Kind::list);
          for (auto& v : pop_mark()) add_item(*list, v);
          push(list);
          break;
        }
        case 'a': {
          Ref v = pop();
          add_item(container(top(), Value::Kind::list), v);
          break;
        }
        case 'e': {
          std::vector<Ref> items = pop_mark();
          Value& list = container(top(), Value::Kind::list);
          for (auto& v : items) add_item(list, v);
          break;
        }
        case '}': push(make(Value::Kind::dict)); break;
        case 'd': {
          auto dict = make(Value::Kind::dict);
          set_items(*dict, pop_mark());
          push(dict);
          break;
        }
        case 's': {
          Ref v = pop();
          Ref k = pop();
          set_items(container(top(), Value::Kind::dict), {k, v});
          break;
        }
        case 'u': {
          std::vector<Ref> kv = pop_mark();
          set_items(container(top(), Value::Kind::dict), kv);
          break;
        }
        case 'c': {
          std::string module = line(), name = line();
          push(global(module, name));
          break;
        }
        case 0x93: {
          Ref name = pop(), module = pop();
          if (!module->is(Value::Kind::string) || !name->is(Value::Kind::string))
            throw Error("STACK_GLOBAL needs two strs, got " + describe(*module) + " and " + describe(*name));
          push(global(module->text, name->text));
          break;
        }
        case 'R': {
          Ref args = pop(), callable = pop();
          if (!callable->is(Value::Kind::global)) throw Error("REDUCE calls " + describe(*callable) + ", not a global");
          if (!args->is(Value::Kind::tuple)) throw Error("REDUCE's arguments are " + describe(*args) + ", not a tuple");
          args->frozen = true;
          push(checked(hooks_.call(callable, args)));
          break;
        }
        case 'b': {
          Ref state = pop();
          state->frozen = true;
          hooks_.build(top(), state);
          break;
        }
        case 'Q': {
          Ref pid = pop();
          pid->frozen = true;
          push(checked(hooks_.persistent_load(pid)));
          break;
        }
        case 'q': memo_put(uint_le(1)); break;
        case 'r': memo_put(uint_le(4)); break;
        case 0x94: memo_put(memo_.size()); break;
        case 'h': push(memo_get(uint_le(1))); break;
        case 'j': push(memo_get(uint_le(4))); break;
        default:
          if (opcode_name(op_))
            throw Error("the opcode " + opcode_text(op_) +
                        " is not supported (torch_load reads the opcodes torch.save writes: tensors, dicts, "
                        "lists, tuples, numbers and strings)");
          throw Error("unknown opcode " + opcode_text(op_) + " (not a pickle, or a corrupt one)");
      }
    }
  }

 private:
  const uint8_t* take(uint64_t n) {
    if (n > size_ - pos_)
      throw Error("the pickle ends early: " + opcode_text(op_) + " needs " + std::to_string(n) + " bytes at byte " +
                  std::to_string(pos_) + ", " + std::to_string(size_ - pos_) + " are left (truncated file?)");
    const uint8_t* p = data_ + pos_;
    pos_ += static_cast<size_t>(n);
    return p;
  }

  uint64_t uint_le(int n) {
    const uint8_t* p = take(static_cast<uint64_t>(n));
    uint64_t v = 0;
    for (int i = n; i-- > 0;) v = v << 8 | p[i];
    return v;
  }

  // LONG1 / LONG4: a little-endian two's-complement integer of n bytes; tg keeps int64.
  int64_t long_le(uint64_t n) {
    if (n > 8) throw Error("an integer of " + std::to_string(n) + " bytes does not fit in 64 bits");
    const uint8_t* p = take(n);
    if (n == 0) return 0;
    uint64_t v = 0;
    for (uint64_t i = n; i-- > 0;) v = v << 8 | p[i];
    if (n < 8 && (p[n - 1] & 0x80)) v |= ~uint64_t{0} << (8 * n);  // sign-extend
    return static_cast<int64_t>(v);
  }

  // A text line (GLOBAL's module and name), at most 1000 bytes.
  std::string line() {
    const size_t start = pos_;
    while (pos_ < size_ && data_[pos_] != '\n') {
      if (pos_ - start >= 1000) throw Error("GLOBAL's name is longer than 1000 bytes");
      pos_++;
    }
    if (pos_ == size_) throw Error("the pickle ends inside GLOBAL's name (truncated file?)");
    return std::string(reinterpret_cast<const char*>(data_ + start), pos_++ - start);
  }

  Ref make(Value::Kind k) {
    if (++values_ > limits_.max_values)
      throw Error("the pickle makes more than " + std::to_string(limits_.max_values) + " values");
    auto v = std::make_shared<Value>();
    v->kind = k;
    return v;
  }
  Ref make_bool(bool b) {
    auto v = make(Value::Kind::boolean);
    v->boolean = b;
    return v;
  }
  Ref make_int(int64_t i) {
    auto v = make(Value::Kind::integer);
    v->integer = i;
    return v;
  }
  Ref make_text(Value::Kind k, uint64_t n) {
    const uint8_t* p = take(n);  // checks n against the bytes left before anything is allocated
    auto v = make(k);
    v->text.assign(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    if (k == Value::Kind::string && !valid_utf8(v->text)) throw Error("a str that is not valid UTF-8");
    return v;
  }

  void nest(Value& outer, const Ref& inner) {
    if (inner.get() == &outer) throw Error("a " + kind_name(outer.kind) + " contains itself (a cyclic structure)");
    inner->frozen = true;
    if (inner->depth + 1 > outer.depth) outer.depth = inner->depth + 1;
    if (outer.depth > limits_.max_depth)
      throw Error("values nest more than " + std::to_string(limits_.max_depth) + " levels deep");
  }

  Ref make_tuple(std::vector<Ref> items) {
    auto t = make(Value::Kind::tuple);
    for (auto& v : items) nest(*t, v);
    t->items = std::move(items);
    return t;
  }

  // The container on top of the stack, which must be of kind k and still open to change: a
  // frozen one already sits inside another value, and changing it could close a cycle.
  Value& container(const Ref& v, Value::Kind k) {
    if (!v->is(k))
      throw Error(opcode_text(op_) + " needs a " + kind_name(k) + " below its values, got " + describe(*v));
    if (v->frozen)
      throw Error(opcode_text(op_) + " changes a " + kind_name(k) +
                  " that already sits inside another value (a cyclic or self-referencing structure)");
    return *v;
  }

  void add_item(Value& list, const Ref& v) {
    nest(list, v);
    list.items.push_back(v);
  }

  void set_items(Value& dict, const std::vector<Ref>& kv) {
    if (kv.size() % 2) throw Error(opcode_text(op_) + " with an odd number of values (a key without its value)");
    for (size_t i = 0; i < kv.size(); i += 2) {
      nest(dict, kv[i]);
      nest(dict, kv[i + 1]);
      dict.entries.emplace_back(kv[i], kv[i + 1]);
    }
  }

  Ref global(const std::string& module, const std::string& name) { return checked(hooks_.find_class(module, name)); }

  Ref checked(Ref v) {
    TG_INTERNAL_CHECK(v, "a pickle hook returned no value");
    if (++values_ > limits_.max_values)
      throw Error("the pickle makes more than " + std::to_string(limits_.max_values) + " values");
    return v;
  }

  void push(Ref v) {
    if (stack_.size() >= limits_.max_stack)
      throw Error("more than " + std::to_string(limits_.max_stack) + " values on the pickle's stack");
    if (++pushed_ > limits_.max_pushes)
      throw Error("the pickle pushes more than " + std::to_string(limits_.max_pushes) + " values");
    stack_.push_back(std::move(v));
  }
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  Ref pop() {
    if (stack_.size() <= floor()) throw Error(opcode_text(op_) + " on an empty stack (or past a MARK)");
    Ref v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  const Ref& top() const {
    if (stack_.size() <= floor()) throw Error(opcode_text(op_) + " on an empty stack (or past a MARK)");
    return stack_.back();
  }
  std::vector<Ref> pop_mark() {
    if (marks_.empty()) throw Error(opcode_text(op_) + " without a MARK");
    const size_t at = marks_.back();
    marks_.pop_back();
    std::vector<Ref> items(std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(at)),
                           std::make_move_iterator(stack_.end()));
    stack_.resize(at);
    return items;
  }

  void memo_put(uint64_t index) {
    const Ref& v = top();
    auto it = memo_.find(index);
    if (it != memo_.end()) {
      it->second = v;
      return;
    }
    if (memo_.size() >= limits_.max_memo)
      throw Error("more than " + std::to_string(limits_.max_memo) + " memo entries");
    memo_.emplace(index, v);
  }
  Ref memo_get(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) throw Error("the memo has no entry " + std::to_string(index));
    return it->second;
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  size_t op_at_ = 0;  // where the opcode being run starts
  uint8_t op_ = 0;
  Hooks& hooks_;
  const Limits& limits_;
  std::vector<Ref> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Ref> memo_;
  size_t values_ = 0;  // made
  size_t pushed_ = 0;
};

}  // namespace

std::string describe(const Value& v) {
  auto clip = [](const std::string& s) { return s.size() <= 60 ? s : s.substr(0, 60) + "..."; };
  switch (v.kind) {
    case Value::Kind::none: return "None";
    case Value::Kind::boolean: return v.boolean ? "True" : "False";
    case Value::Kind::integer: return "the int " + std::to_string(v.integer);
    case Value::Kind::real: return "a float";
    case Value::Kind::string: return "the str '" + clip(v.text) + "'";
    case Value::Kind::bytes: return "bytes of length " + std::to_string(v.text.size());
    case Value::Kind::tuple: return "a tuple of " + std::to_string(v.items.size());
    case Value::Kind::list: return "a list of " + std::to_string(v.items.size());
    case Value::Kind::dict: return "a dict of " + std::to_string(v.entries.size());
    case Value::Kind::global: return "the global " + clip(v.text);
    case Value::Kind::object: return "an object";
  }
  return "a value";
}

Ref unpickle(const uint8_t* data, size_t size, Hooks& hooks, const std::string& who, const Limits& limits) {
  Machine m(data, size, hooks, limits);
  try {
    return m.run();
  } catch (const Error& e) {
    throw Error(who + ": " + e.what() + " (pickle byte " + std::to_string(m.op_at()) + ", opcode " +
                opcode_text(m.op()) + ")");
  } catch (const std::bad_alloc&) {
    throw Error(who + ": out of memory reading the pickle (pickle byte " + std::to_string(m.op_at()) + ")");
  }
}

}  // namespace tg::detail::pickle
