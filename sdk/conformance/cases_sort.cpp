// Sorting (ABI 1.5 sort_rows): for a plugin that has the slot, rows of every dtype, with ties,
// NaNs, both zeros and infinities, ordered ascending and descending, whole and as a top k, give
// exactly tg/sort_rows.hpp's positions (sort-order); the indices' neighbours stay untouched. A
// plugin without the slot passes as 'u': the core orders its rows on the host.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "case.hpp"
#include "rules.hpp"
#include "tg/sort_rows.hpp"
#include "values.hpp"

namespace tg::conformance {
namespace {

bool has_sort_rows(const tg_plugin_api* api) {
  return api->struct_size >= offsetof(tg_plugin_api, sort_rows) + sizeof(api->sort_rows) && api->sort_rows;
}

// Keys drawn from a small set so that rows have ties; floats also take NaN, -0, +0 and +-inf.
std::vector<std::byte> awkward_keys(uint32_t d, uint64_t count, std::mt19937_64& rng) {
  const uint64_t size = dtype_bytes(d);
  std::vector<std::byte> v(count * size);
  const long double specials[] = {NAN, -0.0L, 0.0L, INFINITY, -INFINITY};
  for (uint64_t i = 0; i < count; i++) {
    std::byte* p = v.data() + i * size;
    const uint64_t r = rng() % 24;
    if (is_float(d)) encode_float(d, r < 5 ? specials[r] : static_cast<long double>(r) - 14.5L, p);
    else if (d == TG_DTYPE_BOOL) encode_int(d, static_cast<int64_t>(r & 1u), p);
    else encode_int(d, r < 2 ? (r ? int_max(d) : int_min(d)) : wrap_int(d, static_cast<int64_t>(r) - 12), p);
  }
  return v;
}

Outcome rows_sorted(Context& ctx, uint32_t d, const std::string& name) {
  Session& s = ctx.session();
  const tg_plugin_api* api = s.api();
  if (!has_sort_rows(api)) return {true, "no sort_rows: the core orders rows on the host", 'u'};
  std::mt19937_64 rng = ctx.rng_for(name);
  const uint64_t rows = 5, n = 333, size = dtype_bytes(d);
  const std::vector<std::byte> keys = awkward_keys(d, rows * n, rng);
  tg_buffer *kb = nullptr, *ib = nullptr;
  std::string why;
  Status st = take(api->buffer_alloc(s.device(), keys.size() + 3 * size, &kb));
  if (st.ok()) st = take(api->buffer_alloc(s.device(), (rows * n + 8) * 4, &ib));
  if (!st.ok()) why = "buffer_alloc: " + st.str();
  if (why.empty()) {
    st = take(api->buffer_write(s.device(), kb, 3 * size, keys.data(), keys.size()));
    if (!st.ok()) why = "buffer_write: " + st.str();
  }
  for (bool descending : {false, true}) {
    for (uint64_t k : {n, uint64_t{7}, uint64_t{1}}) {  // a whole sort, a top k by heap, an argmin/argmax
      if (!why.empty()) break;
      const std::vector<int32_t> fill(rows * n + 8, -7);
      st = take(api->buffer_write(s.device(), ib, 0, fill.data(), fill.size() * 4));
      tg_sort_args a{sizeof(tg_sort_args), d, descending ? uint32_t(TG_SORT_DESCENDING) : 0u, rows, n, k, kb, 3 * size,
                     ib, 16};
      if (st.ok()) st = take(api->sort_rows(s.device(), &a));
      if (st.ok()) st = take(api->synchronize(s.device()));
      std::vector<int32_t> got(fill.size());
      if (st.ok()) st = take(api->buffer_read(s.device(), ib, 0, got.data(), got.size() * 4));
      if (!st.ok()) {
        why = "sort_rows: " + st.str();
        break;
      }
      std::vector<int32_t> want(fill);
      tg::sdk::sort_rows_on_host(a, keys.data(), want.data() + 4);
      for (size_t i = 0; i < got.size() && why.empty(); i++)
        if (got[i] != want[i])
          why = std::string(descending ? "descending" : "ascending") + ", k " + std::to_string(k) + ": index " +
                std::to_string(i) + " of the indices buffer is " + std::to_string(got[i]) + ", sort-order gives " +
                std::to_string(want[i]) + (i < 4 || i >= 4 + rows * k ? " (outside the indices: must stay -7)" : "");
    }
  }
  if (kb) api->buffer_free(s.device(), kb);
  if (ib) api->buffer_free(s.device(), ib);
  return check(why.empty() ? why : std::string("rule sort-order (tg/plugin.h SEMANTICS): ") + rule("sort-order").text + " -- " + why);
}

}  // namespace

void add_sort_cases(std::vector<Case>& cases) {
  for (uint32_t dtype : kAllDtypes) {
    const std::string name = std::string("sort/rows/") + dtype_str(dtype);
    cases.push_back({name, Level::Quick, Needs::Device, [dtype, name](Context& ctx) { return rows_sorted(ctx, dtype, name); },
                     "", ""});
  }
}

}  // namespace tg::conformance
