"""A run's config survives the store's JSON, and rows stored by older versions still read."""

from app.domain.run_config import DataOrigin, ForkOrigin, RunConfig
from app.domain.spec import TrainingSpec
from app.domain.stability import Curvature

FULL = RunConfig(
    training=TrainingSpec(
        learning_rate=0.05,
        seed=3,
        optimizer="adam",
        optimizer_params={"beta1": 0.8},
        loss="mean_squared_error",
        batch_size=4,
    ),
    data=DataOrigin(num_points=12, noise=0.5, x_range=(-4.0, 4.0), custom_points=False),
    custom_initial_weights=True,
    forked_from=ForkOrigin(run_id="abc", step=7),
    curvature=Curvature(smallest=0.25, largest=9.5),
    locks=("learning_rate", "optimizer"),
)


def test_a_config_reads_back_as_it_was_written_with_the_optimizers_defaults_filled():
    stored = FULL.to_json()
    assert stored["optimizer_params"] == {"beta1": 0.8, "beta2": 0.999, "epsilon": 1e-8}
    assert stored["x_range"] == [-4.0, 4.0]
    assert stored["forked_from"] == {"run_id": "abc", "step": 7}
    again = RunConfig.from_json(stored)
    assert again.training.params() == FULL.training.params()
    assert (again.data, again.forked_from, again.curvature, again.locks) == (
        FULL.data,
        FULL.forked_from,
        FULL.curvature,
        FULL.locks,
    )
    assert again.custom_initial_weights is True


def test_a_run_stored_before_optimizers_losses_batches_and_locks_gets_what_it_had():
    oldest = {
        "learning_rate": 0.002,
        "seed": 0,
        "num_points": 20,
        "noise": 1.0,
        "x_range": [-3, 3],
        "custom_points": False,
    }
    config = RunConfig.from_json(oldest)
    assert config.training == TrainingSpec(learning_rate=0.002, seed=0)
    assert (config.training.optimizer, config.training.loss) == ("gradient_descent", "l2_loss")
    assert config.training.batch_size is None
    assert config.data == DataOrigin(
        num_points=20, noise=1.0, x_range=(-3.0, 3.0), custom_points=False, preset=None
    )
    assert (config.custom_initial_weights, config.forked_from) == (False, None)
    assert (config.curvature, config.locks) == (None, ())


def test_a_fork_keeps_everything_but_says_where_it_came_from():
    fork = FULL.forked("xyz", 3)
    assert fork.forked_from == ForkOrigin(run_id="xyz", step=3)
    assert (fork.training, fork.data, fork.locks) == (FULL.training, FULL.data, FULL.locks)
