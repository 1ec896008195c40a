// The core's View algebra (core/src/graph/view.cpp), tested directly: how movement ops compose
// on a view's shape, strides, offset and masks. Slices of padding must stay invalid through
// every later op.
#include <gtest/gtest.h>

#include "graph/view.hpp"

namespace {

using tg::detail::Dims;
using tg::detail::Ranges;
using tg::detail::View;

TEST(View, PadThenSliceOfThePaddingIsInvalid) {
  // (1,) padded to (2,) with its data at index 1; index 0 is padding.
  View v = View::contiguous({1}).pad({{1, 0}});
  View pad_row = v.shrink({{0, 1}});
  EXPECT_TRUE(pad_row.all_invalid());
  View data_row = v.shrink({{1, 2}});
  EXPECT_FALSE(data_row.all_invalid());
  EXPECT_TRUE(data_row.mask.empty());  // the whole (1,) is valid: no mask left
  EXPECT_EQ(data_row.offset, 0);
}

TEST(View, SizeOneSliceOfAPaddedRowKeepsItsMask) {
  // Rows 0 and 2 of (3, 2) are padding around one row of data (a stack's piece).
  View v = View::contiguous({1, 2}).pad({{1, 1}, {0, 0}});
  for (int64_t r = 0; r < 3; ++r) {
    View row = v.shrink({{r, r + 1}, {0, 2}});
    EXPECT_EQ(row.all_invalid(), r != 1) << "row " << r;
  }
}

TEST(View, ReshapeToZeroDimsKeepsAnInvalidViewInvalid) {
  View pad_row = View::contiguous({1}).pad({{1, 0}}).shrink({{0, 1}});
  ASSERT_TRUE(pad_row.all_invalid());
  auto scalar = pad_row.reshape({});
  ASSERT_TRUE(scalar);
  EXPECT_TRUE(scalar->all_invalid());
  auto back = scalar->reshape({1, 1});  // and back up to more dims
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->all_invalid());
  auto valid = View::contiguous({1}).pad({{1, 0}}).shrink({{1, 2}}).reshape({});
  ASSERT_TRUE(valid);
  EXPECT_FALSE(valid->all_invalid());
}

TEST(View, ExpandOfAnInvalidSizeOneDimStaysInvalid) {
  View pad_row = View::contiguous({1, 3}).pad({{1, 0}, {0, 0}}).shrink({{0, 1}, {0, 3}});
  ASSERT_TRUE(pad_row.all_invalid());
  EXPECT_TRUE(pad_row.expand({4, 3}).all_invalid());
  View data_row = View::contiguous({1, 3}).pad({{1, 0}, {0, 0}}).shrink({{1, 2}, {0, 3}});
  View e = data_row.expand({4, 3});
  EXPECT_FALSE(e.all_invalid());
  EXPECT_EQ(e.strides, (Dims{0, 1}));
}

TEST(View, PermuteAndFlipOfAnInvalidRowStayInvalid) {
  View pad_row = View::contiguous({2, 1}).pad({{0, 0}, {2, 0}}).shrink({{0, 2}, {1, 2}});
  ASSERT_TRUE(pad_row.all_invalid());
  EXPECT_TRUE(pad_row.permute({1, 0}).all_invalid());
  EXPECT_TRUE(pad_row.flip({true, true}).all_invalid());
}

TEST(View, WindowOverPaddingIntoSizeOneOutputs) {
  // (3,) padded to (5,), one window of 5: valid where 1 <= k < 4.
  auto w = View::contiguous({3}).pad({{1, 1}}).window({5}, {1}, {1}, true);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->shape, (Dims{1, 5}));
  EXPECT_FALSE(w->all_invalid());
  // Window 1 of a (1,) padded to (2,): output 0 reads the padding only.
  auto w1 = View::contiguous({1}).pad({{1, 0}}).window({1}, {1}, {1}, true);
  ASSERT_TRUE(w1);
  EXPECT_TRUE(w1->shrink({{0, 1}, {0, 1}}).all_invalid());
  EXPECT_FALSE(w1->shrink({{1, 2}, {0, 1}}).all_invalid());
}

}  // namespace
