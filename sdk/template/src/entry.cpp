// The entry points this plugin exports, made by the SDK helper: tg_plugin_get_api from the plugin
// class, and the optional tg_plugin_probe. Change "template" to your plugin's name (the file must
// be libtg-<name>.so).
#include "template_plugin.hpp"

TG_SDK_DEFINE_PLUGIN(tmpl::Plugin, "template", "1.0",
                     "template plugin: host memory, a small tg.kir interpreter", 2)

// The score that ranks this device when TG_DEVICE is unset (0: cannot run on this machine). It
// must be cheap and open nothing: a GPU plugin looks for its driver's files (a device node, its
// runtime library), never for devices. The template runs on any host, so it answers its priority.
static int32_t template_probe() { return 2; }
TG_SDK_DEFINE_PROBE(template_probe)
