#!/usr/bin/env bash
# The main job: installs what the build needs (as root, on Debian 12), builds tg in Release in
# build-demo/ (with the oneDNN CPU plugin), lists the devices it finds and trains an MLP on
# Fashion-MNIST for one epoch on the default device (TG_DEVICE picks another), printing the
# test accuracy.
# TG_JOBS sets the build's parallelism (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

tg_install_deps
tg_configure build-demo Release -DTG_WITH_ONEDNN=ON -DTG_BUILD_TESTS=OFF
cmake --build build-demo -j "${TG_JOBS:-2}"

echo
build-demo/bin/tg devices
echo
# The training demo: examples/mnist.cpp on Debian's dataset-fashion-mnist.
build-demo/bin/mnist --model mlp --epochs 1
