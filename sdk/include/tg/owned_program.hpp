// tg/owned_program.hpp -- a tg.kir program that owns its arrays. Header-only, part of the SDK.
//
// A tg_kir_program only points at arrays that someone else keeps (tg/plugin.h); whoever builds
// or keeps a program (the core's scheduler, the conformance suite, the tg.kir file reader, a
// plugin that rewrites a program it was given) holds them here. The arrays are plain public
// vectors to build and edit; abi() hands out the ABI struct. It is built on each call instead
// of kept, so a copied or moved OwnedProgram never carries pointers into another one's arrays.
//
//   tg::sdk::OwnedProgram p(program);   // a deep copy, linear masks and scalar args included
//   p.shape[0] = 1;
//   const tg_kir_program v = p.abi();  // valid until p is changed or destroyed
//
// Linear masks (ABI 1.2) and scalar args (ABI 1.3) exist only where the tg/plugin.h it is built
// against has them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tg/plugin.h"

namespace tg::sdk {

struct OwnedProgram {
  std::string name;
  std::vector<int64_t> shape;  // ndim is its size (more than TG_KIR_MAX_DIMS is for a check to refuse)
  std::vector<tg_kir_node> nodes;
  std::vector<tg_kir_view> views;
  std::vector<tg_kir_param> params;
#if TG_ABI_MINOR >= 2
  std::vector<tg_kir_linear_mask> linear_masks;  // only for devices that declare TG_KIR_LINEAR_MASKS
#endif
#if TG_ABI_MINOR >= 3
  std::vector<int32_t> scalar_args;  // only for devices that declare TG_KIR_SCALAR_ARGS
#endif

  OwnedProgram() = default;
  // A copy of a program and its arrays; of the fields after 1.0's, those its struct_size has.
  explicit OwnedProgram(const tg_kir_program& p) : name(p.name ? p.name : "") {
    const uint32_t ndim = p.ndim < TG_KIR_MAX_DIMS ? p.ndim : TG_KIR_MAX_DIMS;
    shape.assign(p.shape, p.shape + ndim);
    nodes.assign(p.nodes, p.nodes + (p.nodes ? p.n_nodes : 0));
    views.assign(p.views, p.views + (p.views ? p.n_views : 0));
    params.assign(p.params, p.params + (p.params ? p.n_params : 0));
#if TG_ABI_MINOR >= 2
    if (has_field(p, offsetof(tg_kir_program, linear_masks) + sizeof(p.linear_masks)) && p.linear_masks)
      linear_masks.assign(p.linear_masks, p.linear_masks + p.n_linear_masks);
#endif
#if TG_ABI_MINOR >= 3
    if (has_field(p, offsetof(tg_kir_program, scalar_args) + sizeof(p.scalar_args)) && p.scalar_args)
      scalar_args.assign(p.scalar_args, p.scalar_args + p.n_scalar_args);
#endif
  }

  // The program as the ABI takes it (hash 0: a caller that keys a disk cache on it sets one).
  // Its pointers are into this object: valid until it is changed or destroyed.
  tg_kir_program abi() const {
    tg_kir_program p{};
    p.struct_size = sizeof p;
    p.name = name.c_str();
    p.ndim = static_cast<uint32_t>(shape.size());
    for (size_t d = 0; d < shape.size() && d < TG_KIR_MAX_DIMS; ++d) p.shape[d] = shape[d];
    p.n_nodes = static_cast<uint32_t>(nodes.size());
    p.nodes = nodes.data();
    p.n_views = static_cast<uint32_t>(views.size());
    p.views = views.data();
    p.n_params = static_cast<uint32_t>(params.size());
    p.params = params.data();
#if TG_ABI_MINOR >= 2
    p.n_linear_masks = static_cast<uint32_t>(linear_masks.size());
    p.linear_masks = linear_masks.empty() ? nullptr : linear_masks.data();
#endif
#if TG_ABI_MINOR >= 3
    p.n_scalar_args = static_cast<uint32_t>(scalar_args.size());
    p.scalar_args = scalar_args.empty() ? nullptr : scalar_args.data();
#endif
    return p;
  }

 private:
  static bool has_field(const tg_kir_program& p, size_t end) { return p.struct_size >= end; }
};

}  // namespace tg::sdk
