#!/usr/bin/env python3
"""PyTorch CPU peer of bench/upscale.ts: the same model (../shared/peer/bench_torch.py's classes) run over the
same windows srcaco's whole-tile upscale ran, inference only (no grad), one window at a time.

    /usr/bin/python3 bench/upscale-peer.py --model vdsr --scale 8 --threads 2 --windows 74x74:300,68x74:30 --hr-mp 260

--windows: WxH:count of model inputs (LR windows, or HR windows for SRCNN's cv2-bicubic input); --hr-mp: the
HR megapixels those windows produce, for the rate. Prints one JSON line. $SRCACO_TORCH_PEER overrides where
bench_torch.py is.
"""
import argparse
import importlib.util
import json
import os
import resource
import time

import torch

ap = argparse.ArgumentParser()
ap.add_argument('--model', required=True)
ap.add_argument('--scale', type=int, required=True)
ap.add_argument('--threads', type=int, default=2)
ap.add_argument('--windows', required=True)
ap.add_argument('--hr-mp', type=float, required=True)
a = ap.parse_args()

path = os.environ.get('SRCACO_TORCH_PEER', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'peer', 'bench_torch.py'))
spec = importlib.util.spec_from_file_location('bench_torch', path)
bench_torch = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_torch)

torch.set_num_threads(a.threads)
torch.manual_seed(0)
model, _ = bench_torch.build(a.model, a.scale)
model.eval()
windows = [(int(w), int(h), int(n)) for w, h, n in (item.replace(':', 'x').split('x') for item in a.windows.split(','))]
start = time.perf_counter()
with torch.no_grad():
    for w, h, n in windows:
        x = torch.rand(1, 1, h, w)
        for _ in range(n):
            model(x).clamp_(0, 1)
seconds = time.perf_counter() - start
print(json.dumps({'bench': 'upscale', 'impl': 'pytorch', 'torch': torch.__version__, 'method': a.model, 'scale': a.scale,
                  'threads': a.threads, 'windows': sum(n for _, _, n in windows), 'seconds': round(seconds, 2),
                  'hr_mp_per_s': round(a.hr_mp / seconds, 3),
                  'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
