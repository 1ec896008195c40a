#!/usr/bin/env bash
# The main job: installs what the build needs (as root, on Debian 12), builds tg in Release in
# build/, lists the devices it finds and runs the training demo on the default device
# (TG_DEVICE picks another). Set TG_JOBS to change the build's parallelism (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

tg_install_deps
tg_configure build Release
cmake --build build -j "${TG_JOBS:-2}"

echo
build/bin/tg devices
echo
# The training demo. Today: the seed's examples, ending in a Linear layer trained with Adam.
# The Fashion-MNIST trainer (examples/mnist) replaces this line when it lands.
build/bin/seed_example
