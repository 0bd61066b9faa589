#!/bin/sh
# Epoch time of the seed models, clnn beside PyTorch CPU in one run:
#   sh bench/epoch.sh BUILD_DIR [EPOCHS]
# BUILD_DIR holds the built examples (examples/mnist-mlp, examples/mnist-cnn).
# Both sides train on all 60000 Fashion-MNIST images with batch 32 and Adam;
# PyTorch uses as many threads as the machine has cores (bench/torch_epoch.py).
# Prints a Markdown table: model, seconds per epoch (last epoch), test accuracy.
set -eu
build=${1:?usage: epoch.sh BUILD_DIR [EPOCHS]}
epochs=${2:-1}
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python3}
if ! "$python" -c 'import torch' 2>/dev/null; then
    python=/usr/bin/python3   # Debian's python3-torch, when a pyenv shadows it
fi

echo "| model | clnn s/epoch | clnn test acc | PyTorch s/epoch | PyTorch test acc | ratio |"
echo "|---|---|---|---|---|---|"
for model in mlp cnn; do
    clnn_out=$("$build/examples/mnist-$model" --epochs "$epochs" 2>&1 | tail -n 1)
    clnn_s=$(echo "$clnn_out" | sed -n 's/.*last epoch \([0-9.]*\) s.*/\1/p')
    clnn_acc=$(echo "$clnn_out" | sed -n 's/.*test accuracy \([0-9.]*\).*/\1/p')
    torch_out=$("$python" "$here/torch_epoch.py" "$model" --epochs "$epochs" 2>&1)
    torch_s=$(echo "$torch_out" | sed -n 's/^epoch [0-9]* \([0-9.]*\) s.*/\1/p' | tail -n 1)
    torch_acc=$(echo "$torch_out" | sed -n 's/^test accuracy //p')
    ratio=$(awk -v a="$clnn_s" -v b="$torch_s" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
    echo "| mnist-$model | ${clnn_s:-error} | ${clnn_acc:-error} | ${torch_s:-error} | ${torch_acc:-error} | $ratio |"
done
