#!/usr/bin/env python3
"""PyTorch side of bench/engine-srcnn.ts --threads 1: process CPU time of SRCNN 9-5-5 forward and MSE step (SGD,
momentum 0.9, Nesterov), batch 8 x 1 x 96^2, one thread. CPU time is steadier than wall time on a shared machine.
    /usr/bin/python3 bench/engine-srcnn-torch-cpu.py"""
import sys, time, statistics, json
sys.path.insert(0, '/work/shared/peer')
import torch
from bench_torch import BasicSRCNN
torch.set_num_threads(1)
m = BasicSRCNN()
x = torch.randn(8, 1, 96, 96); y = torch.randn(8, 1, 96, 96)
opt = torch.optim.SGD(m.parameters(), lr=1e-3, momentum=0.9, nesterov=True)
def step():
    opt.zero_grad(); loss = torch.nn.functional.mse_loss(m(x), y); loss.backward(); opt.step()
def fwd():
    with torch.no_grad(): m(x)
out = {}
for name, f in [('fwd', fwd), ('step', step)]:
    for _ in range(2): f()
    cpu, wall = [], []
    for _ in range(6):
        c0, w0 = time.process_time(), time.perf_counter(); f(); cpu.append((time.process_time() - c0) * 1000); wall.append((time.perf_counter() - w0) * 1000)
    out[name + '_cpu_ms'] = round(statistics.median(cpu), 1); out[name + '_ms'] = round(statistics.median(wall), 1)
print(json.dumps({'peer': 'pytorch', 'threads': 1, **out}))
