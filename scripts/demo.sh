#!/usr/bin/env bash
# The main job: installs what the build needs (as root, on Debian 12), builds tg in Release in
# build/, lists the devices it finds and trains an MLP on Fashion-MNIST for one epoch on the
# default device (TG_DEVICE picks another), printing the test accuracy.
# TG_JOBS sets the build's parallelism (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

tg_install_deps
tg_configure build Release
cmake --build build -j "${TG_JOBS:-2}"

echo
build/bin/tg devices
echo
# The training demo: examples/mnist.cpp on Debian's dataset-fashion-mnist.
build/bin/mnist --model mlp --epochs 1
