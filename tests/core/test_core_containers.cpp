// The core's own containers (header-only, core/src/base and core/src/graph): SmallVector, which
// holds every node's shape, arguments and sources, and NodeIndex, which every graph walk uses.
#include <gtest/gtest.h>

#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "base/small_vector.hpp"
#include "graph/node_index.hpp"

namespace {

using tg::detail::NodeIndex;
using tg::detail::SmallVector;
using Ints = SmallVector<int64_t, 4>;

std::vector<int64_t> as_vector(const Ints& v) { return std::vector<int64_t>(v.begin(), v.end()); }

TEST(SmallVector, GrowsPastItsInlineRoomAndKeepsItsValues) {
  Ints v;
  for (int64_t i = 0; i < 100; ++i) {
    v.push_back(i);
    ASSERT_EQ(v.size(), static_cast<size_t>(i + 1));
    ASSERT_EQ(v.back(), i);
  }
  std::vector<int64_t> want(100);
  std::iota(want.begin(), want.end(), 0);
  EXPECT_EQ(as_vector(v), want);
}

TEST(SmallVector, CopiesAndMovesInlineAndOnTheHeap) {
  for (size_t n : {size_t{3}, size_t{50}}) {
    Ints a;
    for (size_t i = 0; i < n; ++i) a.push_back(static_cast<int64_t>(i * 7));
    Ints copy = a;
    EXPECT_EQ(copy, a);
    Ints moved = std::move(copy);
    EXPECT_EQ(moved, a);
    EXPECT_TRUE(copy.empty());  // NOLINT: a moved-from SmallVector is empty
    copy.push_back(1);          // and usable
    EXPECT_EQ(copy.size(), 1u);
    Ints assigned{9, 9};
    assigned = a;
    EXPECT_EQ(assigned, a);
    Ints move_assigned{1, 2, 3, 4, 5, 6, 7, 8};
    move_assigned = std::move(assigned);
    EXPECT_EQ(move_assigned, a);
    move_assigned = move_assigned;  // self-assignment keeps the values
    EXPECT_EQ(move_assigned, a);
  }
}

TEST(SmallVector, InsertsAndErasesLikeStdVector) {
  std::vector<int64_t> ref{1, 2, 3};
  Ints v{1, 2, 3};
  v.insert(v.begin(), 0);
  ref.insert(ref.begin(), 0);
  v.insert(v.begin() + 2, 3, int64_t{7});  // past the inline room
  ref.insert(ref.begin() + 2, 3, int64_t{7});
  v.insert(v.end(), {8, 9});
  ref.insert(ref.end(), {8, 9});
  EXPECT_EQ(as_vector(v), ref);
  v.erase(v.begin() + 1, v.begin() + 4);
  ref.erase(ref.begin() + 1, ref.begin() + 4);
  v.erase(v.begin());
  ref.erase(ref.begin());
  EXPECT_EQ(as_vector(v), ref);
  v.resize(10, 5);
  ref.resize(10, 5);
  v.resize(4);
  ref.resize(4);
  EXPECT_EQ(as_vector(v), ref);
}

TEST(SmallVector, InsertingOrAssigningPartOfItselfCopiesFirst) {
  Ints v{1, 2, 3, 4};
  v.insert(v.begin() + 1, v.begin(), v.end());  // grows while reading its own elements
  EXPECT_EQ(as_vector(v), (std::vector<int64_t>{1, 1, 2, 3, 4, 2, 3, 4}));
  v.push_back(v[0]);  // the argument lives in the storage the growth replaces
  EXPECT_EQ(v.back(), 1);
  v.assign(v.begin() + 2, v.begin() + 5);
  EXPECT_EQ(as_vector(v), (std::vector<int64_t>{2, 3, 4}));
  v.insert(v.begin(), v.back());
  EXPECT_EQ(as_vector(v), (std::vector<int64_t>{4, 2, 3, 4}));
  v.assign(v.rbegin(), v.rend());  // its own elements, through another kind of iterator
  EXPECT_EQ(as_vector(v), (std::vector<int64_t>{4, 3, 2, 4}));
  v.insert(v.begin() + 1, v.rbegin(), v.rend());
  EXPECT_EQ(as_vector(v), (std::vector<int64_t>{4, 4, 2, 3, 4, 3, 2, 4}));
}

TEST(SmallVector, ConvertsToAndFromStdVectorAndCompares) {
  const std::vector<int64_t> s{3, 1, 2};
  Ints v = s;
  std::vector<int64_t> back = v;
  EXPECT_EQ(back, s);
  EXPECT_TRUE(v == Ints({3, 1, 2}));
  EXPECT_TRUE(v != Ints({3, 1}));
  EXPECT_TRUE(Ints({1, 2}) < Ints({1, 3}));
  EXPECT_TRUE(Ints({1, 2}) < Ints({1, 2, 0}));
  EXPECT_FALSE(Ints({2}) < Ints({1, 9}));
  Ints filled(3, 4);
  EXPECT_EQ(as_vector(filled), (std::vector<int64_t>{4, 4, 4}));
  EXPECT_EQ(Ints(s.begin(), s.begin() + 2), Ints({3, 1}));
  EXPECT_THROW((void)v.at(3), std::out_of_range);
}

TEST(SmallVector, HoldsSharedPointersWithoutLeakingOrDroppingAReference) {
  auto p = std::make_shared<std::string>("node");
  {
    SmallVector<std::shared_ptr<std::string>, 3> v;
    for (int i = 0; i < 10; ++i) v.push_back(p);  // past the inline room
    EXPECT_EQ(p.use_count(), 11);
    auto copy = v;
    EXPECT_EQ(p.use_count(), 21);
    auto moved = std::move(copy);
    EXPECT_EQ(p.use_count(), 21);
    moved.erase(moved.begin(), moved.begin() + 5);
    EXPECT_EQ(p.use_count(), 16);
    moved.insert(moved.begin() + 1, nullptr);
    EXPECT_EQ(moved[1], nullptr);
    EXPECT_EQ(p.use_count(), 16);
    SmallVector<std::shared_ptr<std::string>, 3> small{p};
    small = std::move(moved);  // inline target takes the heap storage
    EXPECT_EQ(p.use_count(), 16);
    v.clear();
    EXPECT_EQ(p.use_count(), 6);
  }
  EXPECT_EQ(p.use_count(), 1);
}

// Node addresses stand in for nodes: the index only compares and hashes them.
const tg::detail::Node* fake_node(size_t i) { return reinterpret_cast<const tg::detail::Node*>((i + 1) * 256); }

TEST(NodeIndex, FindsEveryNodeItWasGivenAcrossGrowth) {
  NodeIndex index;
  for (uint32_t i = 0; i < 5000; ++i) {
    auto [at, fresh] = index.try_emplace(fake_node(i), i * 2);
    ASSERT_TRUE(fresh);
    ASSERT_EQ(at, i * 2);
  }
  EXPECT_EQ(index.size(), 5000u);
  auto [at, fresh] = index.try_emplace(fake_node(17), 1);
  EXPECT_FALSE(fresh);
  EXPECT_EQ(at, 34u);
  index.set(fake_node(17), 3);
  for (uint32_t i = 0; i < 5000; ++i) ASSERT_EQ(index.at(fake_node(i)), i == 17 ? 3u : i * 2);
  EXPECT_EQ(index.find(fake_node(5000)), nullptr);
  EXPECT_THROW((void)index.at(fake_node(6000)), tg::Error);
  EXPECT_EQ(NodeIndex().find(fake_node(0)), nullptr);
}

// A broken internal invariant (TG_INTERNAL_CHECK, base/internal_check.hpp) says it is tg's bug,
// asks for a report and names the place in core/src.
TEST(InternalCheck, NamesThePlaceAndSaysItIsABugInTg) {
  NodeIndex index;
  try {
    (void)index.at(fake_node(1));
    FAIL() << "no throw";
  } catch (const tg::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("tg internal error: NodeIndex::at: the node is not in the walk"), std::string::npos) << what;
    EXPECT_NE(what.find("(at core/src/graph/node_index.hpp:"), std::string::npos) << what;
    EXPECT_NE(what.find("This is a bug in tg, not in your program; please report it"), std::string::npos) << what;
  }
  int evaluated = 0;
  TG_INTERNAL_CHECK(true, std::to_string(++evaluated));
  EXPECT_EQ(evaluated, 0);  // the message is built only on failure
}

}  // namespace
