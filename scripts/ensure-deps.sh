#!/usr/bin/env bash
# Installs the system libraries SharedSpatialMemory uses (OpenBLAS and LAPACKE, loaded at run time; libpng, linked)
# when they are missing.
# Debian/Ubuntu with apt; runs apt-get through sudo when not root. Safe to run repeatedly.
set -euo pipefail
packages=(libopenblas-dev liblapacke-dev libpng-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "ensure-deps: installing ${missing[*]}" >&2
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
pkg-config --exists libpng || { echo "ensure-deps: pkg-config cannot find 'libpng' after installing" >&2; exit 1; }
for lib in libopenblas.so.0 liblapacke.so.3; do
    /sbin/ldconfig -p | grep -q "$lib" || { echo "ensure-deps: the loader cannot find $lib after installing" >&2; exit 1; }
done
