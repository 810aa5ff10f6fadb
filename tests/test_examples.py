"""The 1-D examples: densities, samplers and the quadrature grid agree with each other."""

import math

import numpy as np
import pytest
import torch

from ganlib import examples, fdiv


def test_torch_and_scipy_densities_agree_and_integrate_to_one():
    x, dx, p, q = examples.BIMODAL.grid()
    a, b = examples.BIMODAL.scipy_pdfs(x.numpy())
    assert np.allclose(p.numpy(), a, rtol=1e-10, atol=1e-300)
    assert np.allclose(q.numpy(), b, rtol=1e-10, atol=1e-300)
    assert (p.sum() * dx).item() == pytest.approx(1.0, abs=1e-9)
    assert (q.sum() * dx).item() == pytest.approx(1.0, abs=1e-9)


def test_samplers_match_the_moments():
    gen = torch.Generator().manual_seed(0)
    x = examples.BIMODAL.sample_p(200_000, generator=gen)
    assert x.shape == (200_000, 1)
    # P: mean 0, variance 0.25 + 4 = 4.25
    assert x.mean().item() == pytest.approx(0.0, abs=0.02)
    assert x.var().item() == pytest.approx(4.25, rel=0.01)
    y = examples.gaussians(1.0, 1.2, 0.0, 1.0).sample_p(200_000, generator=gen)
    assert y.mean().item() == pytest.approx(1.0, abs=0.01)
    assert y.std().item() == pytest.approx(1.2, rel=0.01)


def test_js_by_quadrature_matches_the_grid():
    x, dx, p, q = examples.BIMODAL.grid()
    js = examples.BIMODAL.js()
    assert fdiv.get("js").divergence(p, q, dx).item() == pytest.approx(2 * js, abs=1e-7)
    assert 0 < js < math.log(2)
