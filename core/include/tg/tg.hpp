#pragma once
// The one include of tg's public API.
#include "tg/device.hpp"
#include "tg/dtype.hpp"
#include "tg/error.hpp"
#include "tg/jit.hpp"
#include "tg/nn.hpp"
#include "tg/shape.hpp"
#include "tg/tensor.hpp"
