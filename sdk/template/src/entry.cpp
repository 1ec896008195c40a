// The one symbol this plugin exports: tg_plugin_get_api, made by the SDK helper from the plugin
// class. Change "template" to your plugin's name (the file must be libtg-<name>.so).
#include "template_plugin.hpp"

TG_SDK_DEFINE_PLUGIN(tmpl::Plugin, "template", "1.0",
                     "template plugin: host memory, a small tg.kir interpreter", 2)
