// The one exported symbol of libtg-ref.so: tg_plugin_get_api, made by the SDK helper.
#include "ref_plugin.hpp"

#ifndef TG_REF_VERSION
#define TG_REF_VERSION "1.0"
#endif

TG_SDK_DEFINE_PLUGIN(tg::ref::RefPlugin, "ref", TG_REF_VERSION,
                     "reference interpreter (plain C++, slow, obviously correct)", 1)
