"""A run's graph, built once for its data and settings and shared by the sessions of every run
that has the same: a class following one link, or everyone on the default sample.

Each run keeps its own `tf.compat.v1.Session`, which holds its own variables; only what does
not depend on a run's state is shared: the ops (the update, the fused loop, the explanations),
the description of the graph, the loss's curvature, and the values a fresh session starts
from. The graph is finalized before any session uses it, so that no session can add to what
the others run.
"""

from dataclasses import dataclass
from typing import Any

import tensorflow as tf
from tensorflow.core.protobuf import config_pb2

from app.domain.data import Dataset
from app.domain.graph import GraphView
from app.domain.readings import Evaluation
from app.domain.records import VariableState
from app.domain.spec import TrainingSpec
from app.domain.stability import Curvature
from app.training.curvature import loss_curvature
from app.training.fused import FusedRun
from app.training.graph_view import describe_graph
from app.training.sample_graph import SampleGraph, build_sample_graph
from app.training.variables import as_state, weights_of

v1 = tf.compat.v1


def evaluation_of(reading: dict[str, Any]) -> Evaluation:
    """What the sample's `eval()` calls read, from one run of the graph's eval fetches."""
    return Evaluation(
        step=int(reading["step"]),
        weights=weights_of(reading["weights"]),
        loss=float(reading["loss"]),
        predictions=reading["yhat"][:, 0].tolist(),
    )


def session_config() -> config_pb2.ConfigProto:
    """How every run's session runs its graph.

    In the calling thread, one op at a time: a run's ops are tiny, and many sessions share
    the machine. A negative `inter_op_parallelism_threads` runs a call's ops in the thread
    that made it, where a positive one hands them to a pool that every session of the
    process shares, costing two thread switches a call and serialising every run's steps on
    that pool's threads: a step took 0.17 to 0.23 ms that way, 0.04 to 0.07 ms in the caller
    (bench/table.py, row 2), with the same kernels and so the same numbers. Grappler's
    graph rewriting is off: each session builds an executor for each kind of call, and on
    these few dozen ops rewriting costs several times what it saves (about 40 ms of a new
    session's first call, 8 ms without it). Its passes here change no arithmetic: the
    trajectories are bit for bit the same with and without it, for every optimizer, loss and
    batch setting (tests/training/test_shared_graph.py), and the sample program's own numbers
    are matched by tests/training/test_model.py.
    """
    config = v1.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=-1)
    config.graph_options.rewrite_options.disable_meta_optimizer = True
    # A session places only the ops it runs, not the whole shared graph: a run that only ever
    # steps does not carry the fused loop (bench/table.py, row 7a: about 0.6 MiB a session
    # instead of 0.8, measured when the loop's body was a function).
    config.graph_options.place_pruned_graph = True
    return config


@dataclass(frozen=True)
class SharedGraph:
    """A finalized graph with everything that is the same for all its runs."""

    graph: tf.Graph
    ops: SampleGraph
    fused: FusedRun
    view: GraphView
    curvature: Curvature
    # What a session reads right after the initializer ran: every session of this graph
    # draws the same random_normal weights (graph and op seeds are fixed).
    initial_state: VariableState
    initial_evaluation: Evaluation


def build_shared_graph(data: Dataset, spec: TrainingSpec) -> SharedGraph:
    """Build, describe, finalize, and read the starting values once in a session of its own."""
    graph = tf.Graph()
    with graph.as_default():
        # A graph-level seed plus an op seed make random_normal repeatable across processes.
        graph.seed = spec.seed
        ops = build_sample_graph(data, spec)
        # Described before the loop is added: the page shows the sample's graph, not the loop.
        view = describe_graph(
            graph,
            evaluate=ops.eval_fetches.values(),
            step=ops.step_fetches.values(),
            initialize=ops.initialize,
            variables=ops.variables,
        )
        with tf.name_scope("stepwise_run"):
            fused = ops.build_fused()
    graph.finalize()
    with v1.Session(graph=graph, config=session_config()) as session:
        session.run(ops.initialize)
        state = session.run({name: v.variable for name, v in ops.variables.items()})
        evaluation = evaluation_of(session.run(ops.eval_fetches))
    return SharedGraph(
        graph=graph,
        ops=ops,
        fused=fused,
        view=view,
        curvature=loss_curvature(data, spec.loss),
        initial_state=as_state(state),
        initial_evaluation=evaluation,
    )
