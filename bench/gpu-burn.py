"""A steady GPU load for `npm run bench:gpu -- --load-command 'python3 bench/gpu-burn.py 40'`.

Holds about 6 GiB of device memory and runs 8192x8192 bf16 matrix products for the given
number of seconds, so NVML's memory, utilisation, power and process readings have
something to show. Needs PyTorch with CUDA.
"""
import os
import sys
import time

import torch

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
held = torch.empty(6 * 2**30 // 4, dtype=torch.float32, device='cuda').normal_()
a = torch.randn(8192, 8192, device='cuda', dtype=torch.bfloat16)
b = torch.randn_like(a)
torch.cuda.synchronize()
started = time.time()
products = 0
while time.time() - started < seconds:
    for _ in range(20):
        c = a @ b
    torch.cuda.synchronize()
    products += 20
elapsed = time.time() - started
print(f'gpu-burn: pid {os.getpid()}, {torch.cuda.memory_reserved() / 2**20:.0f} MiB reserved, '
      f'{2 * 8192**3 * products / elapsed / 1e12:.0f} TFLOP/s over {elapsed:.0f} s', flush=True)
