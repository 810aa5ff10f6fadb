"""InfoGAN's pieces beyond tests/test_train.py: the supervised code term and the code accuracy."""

import numpy as np
import pytest
import torch

from ganlib import conditioning, data, losses, recipes, recorded, terms, train


def labelled_recipe():
    return recipes.get("infogan", terms={"information": 1.0, "code_labels": 1.0},
                       conditioning_params={"categorical": 10, "continuous": 2,
                                            "real_labels": True})


def test_code_labels_term_reads_the_real_labels():
    digits = data.get("digits")
    plain = conditioning.LatentCodes(10, 2)
    labelled = conditioning.LatentCodes(10, 2, real_labels=True)
    a = plain.draw(digits, 64, 8, torch.Generator().manual_seed(0))
    b = labelled.draw(digits, 64, 8, torch.Generator().manual_seed(0))
    assert a.labels is None and torch.equal(a.real, b.real) and torch.equal(a.z, b.z)
    rows = [int(np.flatnonzero((digits.images == x).all(1))[0]) for x in b.real]
    assert torch.equal(b.labels, digits.labels[rows])  # the labels are the images' own
    gan = train.build(labelled_recipe(), "digits", steps=5, seed=0, hidden=32, device="cpu")
    s = train._forward(gan, fake_grad=False, with_real=True)
    term = next(t for t in gan.terms if t.name == "code_labels")
    log_q = torch.log_softmax(s.real_out["code_logits"].double(), 1)
    by_hand = -log_q[torch.arange(len(log_q)), s.inputs.labels].mean()
    assert abs(term.d(s).item() - by_hand.item()) < 1e-5 and term.g is None
    params = list(gan.D.heads["code_logits"].parameters())
    grads = torch.autograd.grad(term.d(s), params)
    assert all(g.abs().sum() > 0 for g in grads)
    with pytest.raises(ValueError, match="real_labels=True"):
        terms.get("code_labels", 1.0, plain)


def test_code_accuracy_on_known_confusions():
    codes = np.repeat(np.arange(10), 20)
    perm = (np.arange(10) * 3 + 1) % 10  # a permutation of the classes
    exact = recorded.code_accuracy(codes, perm[codes])
    assert exact == {"code_accuracy": 1.0, "identity_accuracy": 0.0, "classes_used": 10.0}
    assert recorded.code_accuracy(codes, codes)["identity_accuracy"] == 1.0
    one_class = recorded.code_accuracy(codes, np.zeros_like(codes))
    assert one_class["code_accuracy"] == pytest.approx(0.1) and one_class["classes_used"] == 1
    # code 0 split 15/5 between classes 2 and 4, all other codes on class 2: best is 15 + 5
    classes = np.full_like(codes, 2)
    classes[5:20] = 2
    classes[:5] = 4
    got = recorded.code_accuracy(codes, classes)
    assert got["code_accuracy"] == pytest.approx((20 + 5) / 200)  # code 0 -> 4, one code -> 2


def test_information_term_is_the_two_losses():
    gan = train.build("infogan", "digits", steps=5, seed=0, hidden=32, device="cpu")
    s = train._forward(gan, fake_grad=True, with_real=False)
    term = next(t for t in gan.terms if t.name == "information")
    expected = (losses.info_categorical_loss(s.fake_out["code_logits"], s.inputs.categorical)
                + losses.info_gaussian_loss(s.fake_out["code_mean"], s.inputs.continuous))
    assert torch.allclose(term.g(s), expected) and torch.allclose(term.d(s), expected)
