#pragma once
// SmallVector<T, N>: std::vector's interface, with room for N elements inside the object. A
// graph node's shape, arguments and sources are a handful of values each; as std::vectors they
// were most of the ~2700 heap allocations a training step (the MLP's) made on the host, each one
// freed again within the step.
#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace tg::detail {

template <typename T, size_t N>
class SmallVector {
  template <typename It>
  using IfIterator = std::enable_if_t<!std::is_integral_v<It>, int>;

 public:
  using value_type = T;
  using size_type = size_t;
  using difference_type = std::ptrdiff_t;
  using reference = T&;
  using const_reference = const T&;
  using pointer = T*;
  using const_pointer = const T*;
  using iterator = T*;
  using const_iterator = const T*;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  SmallVector() noexcept : data_(inline_data()) {}
  SmallVector(std::initializer_list<T> il) : SmallVector() { append(il.begin(), il.end()); }
  explicit SmallVector(size_t n) : SmallVector() { resize(n); }
  SmallVector(size_t n, const T& v) : SmallVector() { assign(n, v); }
  template <typename It, IfIterator<It> = 0>
  SmallVector(It first, It last) : SmallVector() {
    append(first, last);
  }
  SmallVector(const std::vector<T>& v) : SmallVector() { append(v.begin(), v.end()); }  // NOLINT: interop
  SmallVector(const SmallVector& o) : SmallVector() { append(o.begin(), o.end()); }
  SmallVector(SmallVector&& o) noexcept : SmallVector() { take(std::move(o)); }
  ~SmallVector() { release(); }

  SmallVector& operator=(const SmallVector& o) {
    if (this != &o) assign(o.begin(), o.end());
    return *this;
  }
  SmallVector& operator=(SmallVector&& o) noexcept {
    if (this != &o) {
      release();
      data_ = inline_data();
      size_ = 0;
      cap_ = N;
      take(std::move(o));
    }
    return *this;
  }
  SmallVector& operator=(std::initializer_list<T> il) {
    assign(il.begin(), il.end());
    return *this;
  }
  operator std::vector<T>() const { return std::vector<T>(begin(), end()); }  // NOLINT: interop

  template <typename It, IfIterator<It> = 0>
  void assign(It first, It last) {
    if (!may_alias(first)) {
      clear();
      append(first, last);
      return;
    }
    SmallVector copy(first, last);  // the range may be part of this vector
    *this = std::move(copy);
  }
  void assign(size_t n, const T& v) {
    const T copy = v;
    clear();
    reserve(n);
    for (size_t i = 0; i < n; ++i) new (data_ + i) T(copy);
    size_ = n;
  }
  void assign(std::initializer_list<T> il) { assign(il.begin(), il.end()); }

  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  size_t capacity() const noexcept { return cap_; }
  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  iterator begin() noexcept { return data_; }
  iterator end() noexcept { return data_ + size_; }
  const_iterator begin() const noexcept { return data_; }
  const_iterator end() const noexcept { return data_ + size_; }
  const_iterator cbegin() const noexcept { return data_; }
  const_iterator cend() const noexcept { return data_ + size_; }
  reverse_iterator rbegin() noexcept { return reverse_iterator(end()); }
  reverse_iterator rend() noexcept { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const noexcept { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const noexcept { return const_reverse_iterator(begin()); }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& at(size_t i) {
    if (i >= size_) throw std::out_of_range("SmallVector::at");
    return data_[i];
  }
  const T& at(size_t i) const {
    if (i >= size_) throw std::out_of_range("SmallVector::at");
    return data_[i];
  }
  T& front() { return data_[0]; }
  const T& front() const { return data_[0]; }
  T& back() { return data_[size_ - 1]; }
  const T& back() const { return data_[size_ - 1]; }

  void reserve(size_t n) {
    if (n > cap_) grow_to(n);
  }
  void clear() noexcept {
    std::destroy(data_, data_ + size_);
    size_ = 0;
  }
  void resize(size_t n) {
    if (n < size_) {
      std::destroy(data_ + n, data_ + size_);
    } else {
      reserve(n);
      for (size_t i = size_; i < n; ++i) new (data_ + i) T();
    }
    size_ = n;
  }
  void resize(size_t n, const T& v) {
    if (n <= size_) return resize(n);
    const T copy = v;
    reserve(n);
    for (size_t i = size_; i < n; ++i) new (data_ + i) T(copy);
    size_ = n;
  }
  void push_back(const T& v) { emplace_back(v); }
  void push_back(T&& v) { emplace_back(std::move(v)); }
  template <typename... Args>
  T& emplace_back(Args&&... args) {
    if (size_ == cap_) {
      T v(std::forward<Args>(args)...);  // args may refer into this vector
      grow_to(cap_ * 2);
      new (data_ + size_) T(std::move(v));
    } else {
      new (data_ + size_) T(std::forward<Args>(args)...);
    }
    return data_[size_++];
  }
  void pop_back() { std::destroy_at(data_ + --size_); }

  iterator insert(const_iterator pos, const T& v) { return insert(pos, &v, &v + 1); }
  iterator insert(const_iterator pos, T&& v) {
    const size_t at = static_cast<size_t>(pos - data_);
    emplace_back(std::move(v));
    std::rotate(data_ + at, data_ + size_ - 1, data_ + size_);
    return data_ + at;
  }
  iterator insert(const_iterator pos, size_t n, const T& v) {
    const size_t at = static_cast<size_t>(pos - data_);
    const T copy = v;
    reserve(size_ + n);
    for (size_t i = 0; i < n; ++i) new (data_ + size_ + i) T(copy);
    size_ += n;
    std::rotate(data_ + at, data_ + size_ - n, data_ + size_);
    return data_ + at;
  }
  template <typename It, IfIterator<It> = 0>
  iterator insert(const_iterator pos, It first, It last) {
    const size_t at = static_cast<size_t>(pos - data_);
    if (may_alias(first)) {  // the range may be part of this vector
      SmallVector copy(first, last);
      return insert(data_ + at, copy.begin(), copy.end());
    }
    const size_t old = size_;
    append(first, last);
    std::rotate(data_ + at, data_ + old, data_ + size_);
    return data_ + at;
  }
  iterator insert(const_iterator pos, std::initializer_list<T> il) { return insert(pos, il.begin(), il.end()); }
  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  iterator erase(const_iterator first, const_iterator last) {
    T* f = data_ + (first - data_);
    T* l = data_ + (last - data_);
    if (f != l) {
      T* new_end = std::move(l, end(), f);
      std::destroy(new_end, end());
      size_ = static_cast<size_t>(new_end - data_);
    }
    return f;
  }

  friend bool operator==(const SmallVector& a, const SmallVector& b) {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const SmallVector& a, const SmallVector& b) { return !(a == b); }
  friend bool operator<(const SmallVector& a, const SmallVector& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  T* data_;
  size_t size_ = 0;
  size_t cap_ = N;
  alignas(T) unsigned char inline_[N * sizeof(T)];

  T* inline_data() noexcept { return reinterpret_cast<T*>(inline_); }
  bool on_heap() const noexcept { return data_ != reinterpret_cast<const T*>(inline_); }

  // Whether a range starting at `it` could be this vector's own elements: a pointer is checked;
  // any other iterator but another container's or an input stream's is assumed to (a reverse
  // iterator over this vector, say).
  template <typename It>
  bool may_alias(const It& it) const {
    if constexpr (std::is_pointer_v<It>) {
      const T* p = it;
      return p >= data_ && p < data_ + size_;
    } else {
      return !std::is_same_v<It, typename std::vector<T>::iterator> &&
             !std::is_same_v<It, typename std::vector<T>::const_iterator> &&
             std::is_base_of_v<std::forward_iterator_tag, typename std::iterator_traits<It>::iterator_category>;
    }
  }
  template <typename It>
  void append(It first, It last) {
    if constexpr (std::is_base_of_v<std::forward_iterator_tag, typename std::iterator_traits<It>::iterator_category>) {
      const auto n = static_cast<size_t>(std::distance(first, last));
      reserve(size_ + n);
      std::uninitialized_copy(first, last, data_ + size_);
      size_ += n;
    } else {
      for (; first != last; ++first) emplace_back(*first);
    }
  }
  void grow_to(size_t at_least) {
    const size_t cap = std::max(at_least, cap_ * 2);
    T* fresh = static_cast<T*>(::operator new(cap * sizeof(T), std::align_val_t{alignof(T)}));
    std::uninitialized_move(data_, data_ + size_, fresh);
    std::destroy(data_, data_ + size_);
    if (on_heap()) ::operator delete(data_, std::align_val_t{alignof(T)});
    data_ = fresh;
    cap_ = cap;
  }
  void release() noexcept {
    std::destroy(data_, data_ + size_);
    if (on_heap()) ::operator delete(data_, std::align_val_t{alignof(T)});
  }
  // o's elements into this empty inline vector; o is left empty.
  void take(SmallVector&& o) noexcept {
    if (o.on_heap()) {
      data_ = o.data_;
      size_ = o.size_;
      cap_ = o.cap_;
      o.data_ = o.inline_data();
      o.size_ = 0;
      o.cap_ = N;
      return;
    }
    std::uninitialized_move(o.data_, o.data_ + o.size_, data_);
    size_ = o.size_;
    o.clear();
  }
};

}  // namespace tg::detail
