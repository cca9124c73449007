#!/usr/bin/env python3
"""PyTorch CPU peer for the architectures srcaco ports from the original code (the later networks): the same
JSON lines as ../shared/peer/bench_torch.py, but each network is the original class itself, imported from a
checkout of sbelharbi/sr-caco-2 (--original, or $SRCACO_ORIGINAL) through scripts/fixtures/load-original.py.

Run with Debian's interpreter (python3-torch):
    /usr/bin/python3 bench/peer-original.py --original ../sr-caco-2 --model dbpn --scale 2 --loss mse-ssim
fwd_ms: inference forward of one batch (no grad). step_ms: forward + loss + backward + SGD (momentum 0.9,
Nesterov). The loss is taken on the outputs the original trains on (`BUILDERS[name]` says how); medians over
--repeat runs after --warmup runs. `--list` prints the model names it knows (bench/peer.ts sends those here).
"""
import argparse
import importlib.util
import json
import os
import statistics
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location('load_original', os.path.join(HERE, '..', 'scripts', 'fixtures', 'load-original.py'))
load_original = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(load_original)


def gaussian_window(size, sigma):
    coords = torch.arange(size, dtype=torch.float32) - (size - 1) / 2.0
    g = torch.exp(-(coords ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    return (g[:, None] * g[None, :])[None, None]


def ssim_loss_term(x, y, window):  # the training SSIM of the original: zero padding, mean per image
    pad = window.shape[-1] // 2
    mu_x = F.conv2d(x, window, padding=pad)
    mu_y = F.conv2d(y, window, padding=pad)
    sxx = F.conv2d(x * x, window, padding=pad) - mu_x ** 2
    syy = F.conv2d(y * y, window, padding=pad) - mu_y ** 2
    sxy = F.conv2d(x * y, window, padding=pad) - mu_x * mu_y
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    m = ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / ((mu_x ** 2 + mu_y ** 2 + c1) * (sxx + syy + c2))
    return m.mean()


# name -> builder(original_root, scale) returning (module, outputs_and_targets[, reduce]), where
# outputs_and_targets(net_output, hr) is the list of (prediction, target) pairs the original puts in its loss
# (one pair for networks trained on their last output), and reduce how the original combines their losses:
# 'mean' (the default) or 'sum'.
BUILDERS = {}

# select_network / utils_init_default_args: the benchmark's ProSR, levels [[8]*9, [8]*3, [8]] cut to log2(scale).
PROSR_LEVEL_CONFIG = [[8] * 9, [8] * 3, [8]]


def prosr_pairs(net, out, hr):
    """model_plain.loss_prosr: the HR output against HR, each lower level against HR bicubic-resized to its size
    (align_corners=True, clamped to [0, 1]); the original divides their sum by their number."""
    pairs = [(out, hr)]
    for level in net.intermediate_outs:
        gt = F.interpolate(hr, size=level.shape[2:], mode='bicubic', align_corners=True)
        pairs.append((level, torch.clamp(gt, min=0.0, max=1.0)))
    return pairs


def build_prosr(original_root, scale, **overrides):
    levels = {2: 1, 4: 2, 8: 3}[scale]
    config = dict(upscale=scale, in_chans=1, residual_denseblock=True, num_init_features=160, bn_size=4,
                  growth_rate=40, ps_woReLU=False, level_config=PROSR_LEVEL_CONFIG[:levels], level_compression=-1,
                  res_factor=0.2, max_num_feature=312, block_compression=0.4)
    config.update(overrides)
    net = load_original.network(original_root, 'prosr').ProSR(**config)
    return net, lambda out, hr: prosr_pairs(net, out, hr)


BUILDERS['prosr'] = build_prosr


def _srfbn(original_root, scale):
    # The benchmark's SRFBN (dlib/utils/utils_init_default_args.py); its loss (model_plain.py loss_srfbn,
    # use_cl=True) is the mean over the steps of each step's output against HR.
    srfbn = load_original.network(original_root, 'srfbn')
    torch.Tensor.cuda = lambda self, *args, **kwargs: self  # its hidden state calls .cuda(); this peer is CPU
    net = srfbn.SRFBN(upscale=scale, in_chans=1, num_features=64, num_steps=4, num_groups=6)
    return net, lambda y, hr: [(step, hr) for step in net.intermediate_outs]


BUILDERS['srfbn'] = _srfbn


def mslapsrn(original_root, scale):
    # dlib/models/model_plain.py loss_mslaprs: the output against HR and each intermediate level against the HR
    # bicubic-resized to its size (align_corners=True, clamped), averaged over the levels as here.
    net = load_original.network(original_root, 'mslapsr').MSLapSRN(upscale=scale, in_chans=1)

    def pairs(out, hr):
        levels = [(level, torch.clamp(F.interpolate(hr, size=level.shape[2:], mode='bicubic', align_corners=True), 0.0, 1.0))
                  for level in net.intermediate_outs]
        return [(out, hr)] + levels

    return net, pairs


BUILDERS['mslapsrn'] = mslapsrn


def dbpn(original_root, scale):
    # DBPN-RES-MR64-3 (utils_init_default_args.py); model_plain.py's default loss on its one output.
    net = load_original.network(original_root, 'dbpn').DBPN(upscale=scale, in_chans=1, base_filter=64, feat=256,
                                                             num_stages=3)
    return net, lambda out, hr: [(out, hr)]


BUILDERS['dbpn'] = dbpn


def enlcn(original_root, scale):
    # The benchmark's ENLCN (utils_init_default_args.py: 32 blocks, 256 features, res_scale 0.1); model_plain.py's
    # default loss on its one output. In train mode its attention modules also compute the contrastive term (the
    # sorted HW x HW similarity) that the forward then discards: the original pays for it, srcaco does not.
    net = load_original.network(original_root, 'enlcn').ENLCN(upscale=scale, in_chans=1, n_resblock=32, n_feats=256,
                                                              res_scale=0.1, img_range=1.0)
    return net, lambda out, hr: [(out, hr)]


BUILDERS['enlcn'] = enlcn


def dfcan(original_root, scale):
    # select_network builds DFCAN(input_shape=in_chans, upscale=scale); everything else is hard-coded in the class
    # (64 channels, 4 groups of 4 blocks). model_plain.py's default loss on its one output.
    net = load_original.network(original_root, 'dfcan').DFCAN(input_shape=1, upscale=scale)
    return net, lambda out, hr: [(out, hr)]


BUILDERS['dfcan'] = dfcan


def omnisr(original_root, scale):
    # The benchmark's OmniSR (utils_init_default_args.py: 64 features, 5 groups of 4 blocks, window 8, relative-
    # position bias); model_plain.py's default loss on its one output.
    net = load_original.network(original_root, 'omni_sr').OmniSR(input_shape=1, upscale=scale, num_feat=64, res_num=5,
                                                                 bias=True, window_size=8, block_num=4, pe=True,
                                                                 ffn_bias=True)
    return net, lambda out, hr: [(out, hr)]


BUILDERS['omnisr'] = omnisr


def swinir(original_root, scale):
    # utils_init_default_args.py: window 8, 6 stages x 6 blocks, embed 180, 6 heads, MLP ratio 2, pixelshuffle,
    # 1conv, img_size = h_size // scale. At x8 the 96-px patch gives img_size 12, which the original cannot build
    # (its attn_mask of a 12 x 12 map does not split into 8 x 8 windows): it is built for 16 (the README's 128-px
    # patches), and pads a 12-px input to 16 at run time as it does any size.
    net_module = load_original.network(original_root, 'swinir')
    img_size = 96 // scale if (96 // scale) % 8 == 0 else 128 // scale
    net = net_module.SwinIR(upscale=scale, in_chans=1, img_size=img_size, window_size=8, img_range=1.0,
                            depths=[6] * 6, embed_dim=180, num_heads=[6] * 6, mlp_ratio=2, upsampler='pixelshuffle',
                            resi_connection='1conv')
    return net, lambda out, hr: [(out, hr)]


BUILDERS['swinir'] = swinir


def act(original_root, scale):
    # The benchmark's ACT (utils_init_default_args.py: 64 features, 4 groups x 12 RCABs, 8 heads, 8 layers,
    # 4 fusion blocks, token 3, expansion 4, dropout 0); model_plain.py's default loss on its one output.
    net = load_original.network(original_root, 'act').ACT(upscale=scale, in_chans=1, img_range=1.0, n_feats=64,
                                                           n_resgroups=4, n_resblocks=12, reduction=16, n_heads=8,
                                                           n_layers=8, dropout_rate=0.0, n_fusionblocks=4,
                                                           token_size=3, expansion_ratio=4)
    return net, lambda out, hr: [(out, hr)]


BUILDERS['act'] = act


def nlsn(original_root, scale):
    # The benchmark's NLSN (utils_init_default_args.py: 32 blocks, 256 features, 4 hashes, chunks of 144, res_scale
    # 0.1); model_plain.py's default loss on its one output. As the original runs: fresh rotations at every
    # forward, torch's default (unstable) sort.
    net = load_original.network(original_root, 'nlsn').NLSN(upscale=scale, in_chans=1, n_resblocks=32, n_feats=256,
                                                             n_hashes=4, chunk_size=144, res_scale=0.1, img_range=1.0)
    return net, lambda out, hr: [(out, hr)]


BUILDERS['nlsn'] = nlsn


# utils_init_default_args.py / select_network.py: the benchmark's GRL (its img_size is h_size // scale; at x8 the
# protocol's 96-px patch gives 12, which the original cannot build with (its masks need a multiple of the window),
# so the masks are built for 16 and the forward, which pads 12 to 16, uses them).
GRL_CONFIG = dict(in_chans=1, window_size=8, embed_dim=180, mlp_ratio=2, img_range=1.0, depths=[4, 4, 8, 8, 8, 4, 4],
                  num_heads_window=[3] * 7, num_heads_stripe=[3] * 7, upsampler='pixelshuffle', conv_type='1conv',
                  out_proj_type='linear', anchor_window_down_factor=2, qkv_proj_type='linear',
                  anchor_proj_type='avgpool', local_connection=True)


def grl(original_root, scale, hr=96, **overrides):
    img_size = hr // scale
    if img_size % 8:
        img_size += 8 - img_size % 8
    config = dict(GRL_CONFIG, upscale=scale, img_size=img_size)
    config.update(overrides)
    net = load_original.network(original_root, 'grl').GRL(**config)
    return net, lambda out, hr_: [(out, hr_)]


BUILDERS['grl'] = grl


def timed(fn, warmup, repeat):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000.0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--original', default=os.environ.get('SRCACO_ORIGINAL'), help='checkout of sbelharbi/sr-caco-2')
    ap.add_argument('--model', help=f'comma-separated: {", ".join(BUILDERS)}')
    ap.add_argument('--scale', type=int, default=2)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--hr', type=int, default=96)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--loss', choices=['mse', 'mse-ssim'], default='mse')
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--repeat', type=int, default=3)
    ap.add_argument('--list', action='store_true', help='print the model names known here and exit (bench/peer.ts)')
    a = ap.parse_args()
    if a.list:
        print(' '.join(BUILDERS))
        return
    if not a.model:
        ap.error('--model is required')
    if not a.original:
        raise SystemExit('give --original (or SRCACO_ORIGINAL): a checkout of sbelharbi/sr-caco-2')
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    window = gaussian_window(19, 1.5)
    for name in a.model.split(','):
        if name not in BUILDERS:
            raise SystemExit(f'unknown model {name}; known: {", ".join(BUILDERS)}')
        net, pairs_of, *rest = BUILDERS[name](a.original, a.scale)
        reduce = rest[0] if rest else 'mean'
        x = torch.rand(a.batch, 1, a.hr // a.scale, a.hr // a.scale)
        y = torch.rand(a.batch, 1, a.hr, a.hr)
        opt = torch.optim.SGD(net.parameters(), lr=1e-3, momentum=0.9, nesterov=True)

        def forward():
            net.eval()
            with torch.no_grad():
                net(x)

        def step():
            net.train()
            opt.zero_grad(set_to_none=True)
            pairs = pairs_of(net(x), y)
            loss = 0
            for pred, target in pairs:
                term = F.mse_loss(pred, target)
                if a.loss == 'mse-ssim':
                    term = term - 5.0 * ssim_loss_term(pred, target, window)
                loss = loss + (term if reduce == 'sum' else term / len(pairs))
            loss.backward()
            opt.step()

        fwd_ms = timed(forward, a.warmup, a.repeat)
        step_ms = timed(step, a.warmup, a.repeat)
        params = sum(p.numel() for p in net.parameters())
        print(json.dumps({'peer': 'pytorch', 'torch': torch.__version__, 'model': name, 'scale': a.scale,
                          'batch': a.batch, 'hr': a.hr, 'threads': a.threads, 'loss': a.loss,
                          'fwd_ms': round(fwd_ms, 2), 'step_ms': round(step_ms, 2), 'params': params}),
              flush=True)


if __name__ == '__main__':
    main()
