"""Runs with the same data and settings share one finalized graph, each in a session of its own,
and nothing about a run's numbers changes for it."""

import threading
from dataclasses import fields

import numpy as np
import pytest
import tensorflow as tf

import app.training.graph_cache as graph_cache_module
from app.domain.data import sample_dataset
from app.domain.spec import TrainingSpec
from app.training.graph_cache import GraphCache, GraphKey
from app.training.model import LinearRegressionModel
from app.training.shared_graph import build_shared_graph, session_config

v1 = tf.compat.v1

SETTINGS = {
    "gradient-descent": TrainingSpec(0.01, 0),
    "momentum-mse": TrainingSpec(0.01, 1, "momentum", {"momentum": 0.9}, "mean_squared_error"),
    "adagrad-minibatch": TrainingSpec(0.1, 2, "adagrad", batch_size=2),
    "rmsprop": TrainingSpec(0.01, 3, "rmsprop"),
    "adam-mse-minibatch": TrainingSpec(0.05, 4, "adam", loss="mean_squared_error", batch_size=3),
}


def test_runs_with_the_same_settings_share_the_graph_and_keep_their_own_variables():
    data, spec = sample_dataset(), TrainingSpec(0.002, 0)
    graphs = GraphCache(4)
    shared = graphs.get(data, spec)
    assert graphs.get(sample_dataset(), TrainingSpec(0.002, 0)) is shared
    with (
        LinearRegressionModel(data, spec, shared) as first,
        LinearRegressionModel(data, spec, shared) as second,
    ):
        assert first.shared.graph is second.shared.graph and shared.graph.finalized
        first.run(10)
        assert second.evaluate() == shared.initial_evaluation  # Untouched by the other run.
        assert second.state() == shared.initial_state
        second.run(10)
        assert second.state() == first.state()


@pytest.mark.parametrize("spec", SETTINGS.values(), ids=SETTINGS.keys())
def test_a_shared_graph_gives_each_run_exactly_what_a_graph_of_its_own_gives(spec):
    data = sample_dataset(num_points=7, seed=5)
    shared = build_shared_graph(data, spec)
    with (
        LinearRegressionModel(data, spec) as alone,
        LinearRegressionModel(data, spec, shared) as first,
        LinearRegressionModel(data, spec, shared) as second,
    ):
        expected = [alone.step() for _ in range(3)] + alone.run(20)
        first.run(5)  # Another run's steps on the same graph change nothing for `second`.
        assert [second.step() for _ in range(3)] + second.run(20) == expected


@pytest.mark.parametrize("spec", SETTINGS.values(), ids=SETTINGS.keys())
def test_without_grappler_the_arithmetic_is_bit_for_bit_the_same(spec):
    """session_config turns Grappler's rewriting off to make sessions cheap to start; the
    numbers of single steps and of the fused loop are the very same bits with it on."""
    data = sample_dataset(num_points=7, seed=5)
    shared = build_shared_graph(data, spec)
    ops, fused = shared.ops, shared.fused
    with_grappler = v1.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
    results = []
    for config in (with_grappler, session_config()):
        with v1.Session(graph=shared.graph, config=config) as session:
            session.run(ops.initialize)
            feeds = {} if ops.batch is None else {ops.batch: np.arange(spec.batch_size or 0)}
            singles = [session.run(ops.step_fetches, feeds) for _ in range(5)]
            loop_feeds = {fused.count: 30}
            if fused.batches is not None:
                loop_feeds[fused.batches] = np.tile(np.arange(spec.batch_size or 0), (30, 1))
            loop = session.run(fused.records, loop_feeds)
        results.append(
            [s["state"]["weights"].tobytes() for s in singles]
            + [float(s["loss_after"]) for s in singles]
            + [loop["loss_after"].tobytes(), loop["state"]["weights"].tobytes()]
        )
    assert results[0] == results[1]


def test_the_key_holds_every_setting_with_the_optimizers_defaults():
    data = sample_dataset()
    keyed = {field.name for field in fields(GraphKey)} - {"x", "y", "params"}
    spec_fields = {field.name for field in fields(TrainingSpec)} - {"optimizer_params"}
    assert keyed == spec_fields
    momentum = TrainingSpec(0.01, 0, "momentum")
    spelled_out = TrainingSpec(0.01, 0, "momentum", momentum.params())
    assert GraphKey.of(data, momentum) == GraphKey.of(data, spelled_out)
    assert GraphKey.of(data, momentum) != GraphKey.of(data, TrainingSpec(0.02, 0, "momentum"))
    other_points = sample_dataset(seed=1)
    assert GraphKey.of(data, momentum) != GraphKey.of(other_points, momentum)


def test_the_cache_is_bounded_and_an_evicted_graph_still_serves_its_runs():
    data = sample_dataset()
    graphs = GraphCache(2)
    first = graphs.get(data, TrainingSpec(0.001, 0))
    with LinearRegressionModel(data, TrainingSpec(0.001, 0), first) as model:
        graphs.get(data, TrainingSpec(0.002, 0))
        graphs.get(data, TrainingSpec(0.003, 0))  # The least recently used goes.
        assert len(graphs) == 2
        assert graphs.get(data, TrainingSpec(0.001, 0)) is not first  # Built again.
        assert model.run(3)[-1].record.step == 3  # The old graph lives on for its session.


def test_a_class_arriving_at_once_builds_the_graph_once(monkeypatch):
    builds: list[int] = []
    build = graph_cache_module.build_shared_graph

    def counted(data, spec):
        builds.append(1)
        return build(data, spec)

    monkeypatch.setattr(graph_cache_module, "build_shared_graph", counted)
    graphs = GraphCache(4)
    got = []
    threads = [
        threading.Thread(target=lambda: got.append(graphs.get(sample_dataset(), TrainingSpec())))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1 and len({id(graph) for graph in got}) == 1


@pytest.mark.parametrize("spec", SETTINGS.values(), ids=SETTINGS.keys())
def test_the_fused_loop_is_built_without_functions_for_each_session_to_instantiate(spec):
    # TensorFlow 1's control flow in the graph itself: no function library a session would
    # copy and instantiate (a third of a session's memory, app/training/fused.py).
    shared = build_shared_graph(sample_dataset(), spec)
    graph_def = shared.graph.as_graph_def()
    assert len(graph_def.library.function) == 0
    loop_ops = {node.op for node in graph_def.node if node.name.startswith("stepwise_run/")}
    assert {"Enter", "Exit", "NextIteration"} <= loop_ops
    assert not loop_ops & {"While", "StatelessWhile"}
