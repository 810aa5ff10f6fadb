"""MNIST from IDX files: a small fixture written by the test, read back with NumPy."""

import gzip
import struct

import numpy as np
import pytest
import torch

from ganlib import data


def write_idx(path, array: np.ndarray) -> None:
    """The IDX format by hand: 0, 0, type 0x08 (unsigned byte), ndim, big-endian sizes, data."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    if str(path).endswith(".gz"):
        with gzip.open(path, "wb") as f:
            f.write(raw)
    else:
        path.write_bytes(raw)


def fixture(folder, n: int = 20, gz: bool = False, split: str = "train", seed: int = 0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    images[:, 0, 0], images[0, 0, 0] = 0, 255  # a known black and a known white pixel
    labels = np.arange(n) % 10
    folder.mkdir(parents=True, exist_ok=True)
    for stem, array in zip(data.MNIST_FILES[split], (images, labels)):
        write_idx(folder / (stem + (".gz" if gz else "")), array)
    return images, labels


def test_idx_round_trip_and_bad_files(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a", array)
    write_idx(tmp_path / "a.gz", array)
    assert np.array_equal(data.read_idx(tmp_path / "a"), array)
    assert np.array_equal(data.read_idx(tmp_path / "a.gz"), array)
    # a multi-byte type: big-endian int16 (0x0B), values beyond one byte and negative, so that
    # reading the values in the machine's byte order, or from the wrong offset, fails
    wide = np.array([[-2, 300, 1], [32767, -32768, 258]], dtype=">i2")
    header = bytes([0, 0, 0x0B, 2]) + struct.pack(">2I", *wide.shape)
    (tmp_path / "wide").write_bytes(header + wide.tobytes())
    assert np.array_equal(data.read_idx(tmp_path / "wide"), wide.astype(np.int16))
    (tmp_path / "short").write_bytes((tmp_path / "a").read_bytes()[:-1])
    with pytest.raises(ValueError, match="asks for"):
        data.read_idx(tmp_path / "short")
    (tmp_path / "text").write_bytes(b"hello world")
    with pytest.raises(ValueError, match="not an IDX file"):
        data.read_idx(tmp_path / "text")


@pytest.mark.parametrize("gz, where", [(False, ""), (True, "MNIST/raw")])
def test_mnist_reads_a_fixture_and_samples_from_it(tmp_path, gz, where):
    images, labels = fixture(tmp_path / where if where else tmp_path, gz=gz)
    mnist = data.get("mnist", directory=tmp_path)
    assert mnist.images.shape == (20, 784) and mnist.dim == 784 and mnist.num_classes == 10
    expected = torch.tensor(images.reshape(20, -1), dtype=torch.float32) / 127.5 - 1
    assert torch.allclose(mnist.images, expected)
    assert mnist.images[0, 0] == 1.0 and mnist.images[1, 0] == -1.0  # 255 -> 1, 0 -> -1
    assert torch.equal(mnist.labels, torch.tensor(labels))
    x, y = mnist.sample_labeled(50, torch.Generator().manual_seed(0))
    rows = [int(np.flatnonzero((expected == row).all(1))[0]) for row in x]
    assert torch.equal(y, torch.tensor(labels[rows]))  # each image keeps its own label
    assert mnist.spec == {"name": "mnist", "split": "train"}


def test_the_environment_variable_and_missing_files(tmp_path, monkeypatch):
    fixture(tmp_path, n=10, split="test", seed=1)
    monkeypatch.setenv("GANLIB_MNIST", str(tmp_path))
    assert len(data.get("mnist", split="test").images) == 10
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        data.get("mnist")  # only the test split is there
    monkeypatch.delenv("GANLIB_MNIST")
    with pytest.raises(FileNotFoundError, match="GANLIB_MNIST"):
        data.get("mnist")
    with pytest.raises(ValueError, match="split"):
        data.get("mnist", directory=tmp_path, split="valid")
    assert "mnist" not in data.names()  # names() lists the datasets that need no files


def test_a_dcgan_infogan_trains_on_the_fixture(tmp_path):
    from ganlib.train import build, train

    fixture(tmp_path, n=64)
    gan = build("infogan", data.get("mnist", directory=tmp_path), steps=2, seed=0,
                batch_size=8, device="cpu")
    assert type(gan.G).__name__ == "DCGANGenerator" and type(gan.D).__name__ == "DCGANDiscriminator"
    history = train(gan, progress=False)
    assert len(history.step) == 2 and set(history.g_terms) == {"information"}
    assert gan.sample(4, labels=torch.tensor([0, 1, 2, 3])).shape == (4, 784)
