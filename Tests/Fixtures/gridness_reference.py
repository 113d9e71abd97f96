#!/usr/bin/env python3
"""Reference gridness scorer (DeepMind's GridScorer with the original project's masks),
written with numpy/scipy, and the generator of the golden values our Swift scorer is tested against.

Needs numpy, scipy, safetensors (not installed by this script):
    python3 -m venv /opt/torchenv && /opt/torchenv/bin/pip install numpy scipy safetensors
Usage: /opt/torchenv/bin/python Tests/Fixtures/gridness_reference.py   # writes Tests/Fixtures/gridness_golden.safetensors
Also importable: `from gridness_reference import GridScorer, rate_map`.
"""
import os
import numpy as np
import scipy.ndimage
import scipy.signal
import scipy.stats

NBINS = 40
EXTENT = 15.0


def rate_map(x, y, activation, nbins=NBINS, extent=EXTENT):
    """Mean activation per bin, [x_bin, y_bin], NaN where no sample fell (binned_statistic_2d)."""
    return scipy.stats.binned_statistic_2d(x, y, activation, statistic="mean", bins=nbins,
                                           range=((0, extent), (0, extent)))[0]


def circle_mask(size, radius):
    c = np.linspace(-(size - 1) / 2, (size - 1) / 2, size)
    xx, yy = np.meshgrid(c, c, indexing="ij")
    return (np.sqrt(xx ** 2 + yy ** 2) <= radius).astype(np.float64)


class GridScorer:
    def __init__(self, nbins=NBINS, inner=0.1, outer=np.linspace(0.2, 0.85, 15)):
        self.nbins = nbins
        size = 2 * nbins - 1
        self.masks = [circle_mask(size, o * nbins) * (1 - circle_mask(size, inner * nbins)) for o in outer]
        self.angles = [30, 45, 60, 90, 120, 135, 150]

    def sac(self, ratemap):
        x = np.nan_to_num(ratemap)
        ones = np.ones_like(x)

        def filter2(b, a):
            return scipy.signal.convolve2d(a, np.rot90(b, 2), mode="full")

        n = filter2(ones, ones)
        s_x, s_y = filter2(x, ones), filter2(ones, x)
        s_xx, s_yy = filter2(x * x, ones), filter2(ones, x * x)
        s_xy = filter2(x, x)
        with np.errstate(invalid="ignore", divide="ignore"):
            sd_x = np.sqrt(np.maximum(s_xx / n - (s_x / n) ** 2, 0))
            sd_y = np.sqrt(np.maximum(s_yy / n - (s_y / n) ** 2, 0))
            cov = s_xy / n - s_x * s_y / n ** 2
            return np.real(np.nan_to_num(cov / (sd_x * sd_y)))

    def scores(self, ratemap):
        """(gridness60, gridness90, argmax mask 60, argmax mask 90)."""
        sac = self.sac(ratemap)
        rotated = {a: scipy.ndimage.rotate(sac, a, reshape=False) for a in self.angles}
        best60, best90, i60, i90 = -np.inf, -np.inf, 0, 0
        for i, mask in enumerate(self.masks):
            area = mask.sum()
            m = (sac * mask).sum() / area
            c = (sac * mask - m) * mask
            var = (c ** 2).sum() / area + 1e-5
            corr = {a: (c * (rotated[a] - m) * mask).sum() / area / var for a in self.angles}
            g60 = (corr[60] + corr[120]) / 2 - (corr[30] + corr[90] + corr[150]) / 3
            g90 = corr[90] - (corr[45] + corr[135]) / 2
            if g60 > best60: best60, i60 = g60, i
            if g90 > best90: best90, i90 = g90, i
        return best60, best90, i60, i90


def hexagonal(nbins=NBINS, period=9.0, phase=(0.0, 0.0), angle=0.2):
    """A hexagonal rate map: the sum of three plane waves 60° apart, rectified."""
    c = np.arange(nbins) + 0.5
    xx, yy = np.meshgrid(c, c, indexing="ij")
    k = 4 * np.pi / (np.sqrt(3) * period)
    r = sum(np.cos(k * (np.cos(angle + j * np.pi / 3) * (xx - phase[0]) + np.sin(angle + j * np.pi / 3) * (yy - phase[1])))
            for j in range(3))
    return np.maximum(r, 0)


def square(nbins=NBINS, period=8.0):
    c = np.arange(nbins) + 0.5
    xx, yy = np.meshgrid(c, c, indexing="ij")
    k = 2 * np.pi / period
    return np.maximum(np.cos(k * xx) + np.cos(k * yy), 0)


def smoothed_noise(seed, nbins=NBINS, sigma=2.0):
    rng = np.random.RandomState(seed)
    return scipy.ndimage.gaussian_filter(rng.rand(nbins, nbins), sigma)


if __name__ == "__main__":
    from safetensors.numpy import save_file
    scorer = GridScorer()
    maps = {
        "hexagonal": hexagonal(),
        "hexagonal_p6": hexagonal(period=6.0, phase=(1.3, 2.1), angle=0.5),
        "square": square(),
        "noise_0": smoothed_noise(0),
        "noise_1": smoothed_noise(1),
        "with_nan": np.where(np.arange(NBINS * NBINS).reshape(NBINS, NBINS) % 7 == 0, np.nan, hexagonal(period=7.0)),
    }
    out = {}
    for name, m in maps.items():
        g60, g90, i60, i90 = scorer.scores(m)
        out[f"{name}.ratemap"] = m.astype(np.float32)
        out[f"{name}.sac"] = scorer.sac(m).astype(np.float32)
        out[f"{name}.scores"] = np.array([g60, g90, i60, i90], dtype=np.float32)
        print(f"{name:14s} gridness60 {g60:+.4f}  gridness90 {g90:+.4f}  masks {i60} {i90}")
    # A rotation of a known SAC, to test the cubic-spline rotation alone.
    out["rotate.input"] = maps["noise_0"].astype(np.float32)
    out["rotate.30"] = scipy.ndimage.rotate(maps["noise_0"], 30, reshape=False).astype(np.float32)
    out["rotate.135"] = scipy.ndimage.rotate(maps["noise_0"], 135, reshape=False).astype(np.float32)
    # A rate map from scattered samples (binned_statistic_2d edges, right edge inclusive).
    rng = np.random.RandomState(3)
    xy = rng.uniform(0, EXTENT, (5000, 2))
    xy[:10] = EXTENT  # samples on the right/top edge fall in the last bin
    act = np.sin(xy[:, 0]) + np.cos(0.5 * xy[:, 1])
    out["binned.samples"] = np.concatenate([xy, act[:, None]], axis=1).astype(np.float32)
    out["binned.ratemap"] = np.nan_to_num(rate_map(xy[:, 0], xy[:, 1], act), nan=-999).astype(np.float32)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gridness_golden.safetensors")
    save_file(out, path)
    print("wrote", path)
