// tinygrad's op tests that tg cannot run yet, with the feature each waits for. As features land,
// a test moves from here into the ops_*.cpp files (TinygradOpsSuite.CoversEveryTinygradTest checks
// that the two together name each of test_ops.py's 427 tests once).
#include "harness.hpp"

namespace tgops {

const std::vector<Waiting>& waiting_tests() {
  static const std::vector<Waiting> w = {
      {"pow_int", "upstream first: tinygrad skips it itself (@unittest.skip, int tensor ** int tensor unsupported)"},
      {"sum_dtype_arg", "a dtype argument to sum / prod"},
      {"prod_dtype_arg", "a dtype argument to sum / prod"},
      {"slice_fancy_indexing_list_indices", "index/getitem (x.index({...}): None, Ellipsis, tensor indices, negative steps)"},
      {"slice_fancy_indexing_tuple_indices", "index/getitem (x.index({...}): None, Ellipsis, tensor indices, negative steps)"},
      {"slice_fancy_indexing_list_with_tensors", "index/getitem (x.index({...}): None, Ellipsis, tensor indices, negative steps)"},
      {"slice_fancy_indexing_errors", "index/getitem (x.index({...}): None, Ellipsis, tensor indices, negative steps)"},
      {"sd_big_conv", "upstream first: tinygrad skips it itself (@unittest.skip, very slow)"},
      {"simple_conv3d", "conv over 3 spatial dims"},
      {"padded_conv3d", "conv over 3 spatial dims"},
      {"simple_conv_transpose3d", "conv_transpose over 3 spatial dims"},
      {"asymmetric_padding_conv1d", "(left, right) padding in conv1d"},
      {"uint8_interpolate_bilinear", "a reference: PyTorch 1.13 (Debian's) has no uint8 bilinear interpolate"},
      {"negative_padding_conv2d", "negative and (left, right, top, bottom) padding in conv2d / max_pool2d"},
      {"asymmetric_padding_conv2d", "negative and (left, right, top, bottom) padding in conv2d / max_pool2d"},
      {"max_pool2d_asymmetric_padding", "negative and (left, right, top, bottom) padding in conv2d / max_pool2d"},
      {"avg_pool3d", "pooling over 3 spatial dims"},
      {"masked_select", "masked_select / nonzero (data-dependent shapes: out of scope in API.md)"},
      {"masked_select_size", "masked_select / nonzero (data-dependent shapes: out of scope in API.md)"},
      {"nonzero", "masked_select / nonzero (data-dependent shapes: out of scope in API.md)"},
      {"nonzero_size", "masked_select / nonzero (data-dependent shapes: out of scope in API.md)"},
  };
  return w;
}

}  // namespace tgops
