import numpy as np
import pytest

from app.domain.data import InvalidDataError, sample_dataset, validated_dataset


def test_sample_recipe_matches_the_sample_program_with_a_seed():
    np.random.seed(7)
    xs = np.array([np.linspace(-10, 10, 5), np.linspace(-10, 10, 5)])
    xs += np.random.randn(2, 5) * 1.5
    data = sample_dataset(num_points=5, noise=1.5, x_range=(-10, 10), seed=7)
    np.testing.assert_allclose(data.x, xs[0], rtol=1e-6)
    np.testing.assert_allclose(data.y, xs[1], rtol=1e-6)


def test_sample_is_deterministic_and_seed_dependent():
    first, again, other = sample_dataset(seed=3), sample_dataset(seed=3), sample_dataset(seed=4)
    np.testing.assert_array_equal(first.x, again.x)
    np.testing.assert_array_equal(first.y, again.y)
    assert not np.array_equal(first.x, other.x)


def test_points_are_exactly_what_float32_holds():
    data = validated_dataset([0.1, 0.2, 0.3], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(data.x, data.x.astype(np.float32).astype(np.float64))
    assert data.x[0] != 0.1  # 0.1 is not a float32 value; the graph sees the nearest one.


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        ([1.0], [2.0], "at least 2 points"),
        ([1.0, 2.0], [2.0], "same length"),
        ([1.0, float("nan")], [2.0, 3.0], "from -1,000,000 to 1,000,000"),
        ([1.0, 2.0], [2.0, 1e39], "from -1,000,000 to 1,000,000"),
        ([1e30, -1e30], [1.0, 2.0], "from -1,000,000 to 1,000,000"),
        ([1.0, 2.0], [float("-inf"), 2.0], "from -1,000,000 to 1,000,000"),
        ([4.0, 4.0, 4.0], [1.0, 2.0, 3.0], "one x value"),
    ],
)
def test_points_that_cannot_be_fitted_are_refused(x, y, message):
    with pytest.raises(InvalidDataError, match=message):
        validated_dataset(x, y)
