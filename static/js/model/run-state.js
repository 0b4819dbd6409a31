// The page's copy of one run: points, answer, step history, what the session reads now, and
// the step the timeline shows. Every number in it came from the run's TensorFlow session.
// A long history arrives thinned (every k-th step and the last 500): `history` then holds the
// steps loaded so far, in order, and `missing(k)` says which step must be fetched to show it.

export class RunState {
  constructor(run) {
    this.load(run);
  }

  /** Replace everything with a run as GET /api/runs/{id} returns it; show its last step. */
  load(run) {
    this.run = run;
    this.history = [...run.history];
    this.thinned = run.history_thinned;
    this.byStep = new Map(this.history.map((record) => [record.step, record]));
    this.current = run.current;
    this.diverged = run.diverged;
    this.divergedAt = run.diverged_at;
    this.position = this.lastStep;
  }

  get lastStep() {
    return this.history.length ? this.history[this.history.length - 1].step : 0;
  }

  /** Whether the timeline shows the newest step, and so moves on as new steps arrive. */
  get following() {
    return this.position === this.lastStep;
  }

  /** Whether `record` is the next step of this history (false if another tab stepped too). */
  follows(record) {
    return record.step === this.lastStep + 1;
  }

  /** Append steps from POST /step; `current` is what the session reads after them. */
  appendBatch(batch) {
    const following = this.following;
    this.history.push(...batch.records);
    for (const record of batch.records) this.byStep.set(record.step, record);
    this.current = batch.current;
    this.noteDivergence(batch.records[batch.records.length - 1]);
    if (following) this.position = this.lastStep;
  }

  /** Append one streamed step event (a step record plus its predictions). */
  appendEvent(event) {
    const following = this.following;
    const { predictions, ...record } = event;
    this.history.push(record);
    this.byStep.set(record.step, record);
    this.current = record.diverged
      ? null
      : { step: record.step, weights: record.weights_after, loss: record.loss_after, predictions };
    this.noteDivergence(record);
    if (following) this.position = this.lastStep;
  }

  noteDivergence(record) {
    if (record && record.diverged) {
      this.diverged = true;
      this.divergedAt = record.step;
    }
  }

  /** Move the timeline to step `k`, kept within 0..lastStep. */
  moveTo(k) {
    this.position = Math.max(0, Math.min(this.lastStep, Math.round(k)));
  }

  record(step) {
    return this.byStep.get(step) ?? null;
  }

  /** Whether step `k` is in the run but not loaded yet (a thinned history leaves gaps). */
  missing(k) {
    return k >= 1 && k <= this.lastStep && !this.byStep.has(k);
  }

  /** Add consecutive records read from the server's history, keeping steps in order. */
  merge(records) {
    const fresh = records.filter((record) => record.step <= this.lastStep && !this.byStep.has(record.step));
    if (!fresh.length) return;
    for (const record of fresh) this.byStep.set(record.step, record);
    this.history = [...this.byStep.values()].sort((a, b) => a.step - b.step);
    this.thinned = this.history.length < this.lastStep;
  }

  /** Weights after `k` steps (the initial weights for k = 0); null where not loaded. */
  weightsAt(k) {
    return k === 0 ? this.run.initial_weights : (this.record(k)?.weights_after ?? null);
  }

  /** Loss after `k` steps, or null where unknown, not loaded or overflowed. */
  lossAt(k) {
    if (k >= 1) return this.record(k)?.loss_after ?? null;
    if (this.history.length) return this.history[0].loss_before;
    return this.current ? this.current.loss : null;
  }

  /** The line to draw at step `k`: the last finite weights at or before it. */
  lineAt(k) {
    for (let step = k; step >= 0; step -= 1) {
      const w = this.weightsAt(step);
      if (w && w.b !== null && w.m !== null) return { step, weights: w };
    }
    return { step: 0, weights: this.run.initial_weights };
  }

  /** The step whose update the page explains at position `k`: step k, or the first for k = 0. */
  explainedStep(k = this.position) {
    return Math.max(k, 1);
  }

  /**
   * The steps whose details the page shows at position `k`: the update explained, and the next
   * (its predictions and arrow). The next step after the last is a preview of the update the
   * session would make, which a diverged run does not have.
   */
  stepsToExplain(k = this.position) {
    const next = this.lastStep + 1;
    return [this.explainedStep(k), k + 1].filter((j) => j < next || (j === next && !this.diverged));
  }

  /** Step 0 (the initial weights and the loss before any update), then every step loaded. */
  stepsFromZero() {
    return [{ step: 0, weights_after: this.run.initial_weights, loss_after: this.lossAt(0) }, ...this.history];
  }
}
