// The page's copy of one run: points, answer, step history and what the session reads now.
// Every number in it came from the server, which took it from the run's TensorFlow session.

export class RunState {
  constructor(run) {
    this.load(run);
  }

  /** Replace everything with a run as GET /api/runs/{id} returns it. */
  load(run) {
    this.run = run;
    this.history = [...run.history];
    this.current = run.current;
    this.diverged = run.diverged;
    this.divergedAt = run.diverged_at;
  }

  get lastStep() {
    return this.history.length ? this.history[this.history.length - 1].step : 0;
  }

  /** Whether `record` is the next step of this history (false if another tab stepped too). */
  follows(record) {
    return record.step === this.lastStep + 1;
  }

  /** Append steps from POST /step; `current` is what the session reads after them. */
  appendBatch(batch) {
    this.history.push(...batch.records);
    this.current = batch.current;
    this.noteDivergence(batch.records[batch.records.length - 1]);
  }

  /** Append one streamed step event (a step record plus its predictions). */
  appendEvent(event) {
    const { predictions, ...record } = event;
    this.history.push(record);
    this.current = record.diverged
      ? null
      : { step: record.step, weights: record.weights_after, loss: record.loss_after, predictions };
    this.noteDivergence(record);
  }

  noteDivergence(record) {
    if (record && record.diverged) {
      this.diverged = true;
      this.divergedAt = record.step;
    }
  }

  /** The line to draw and its step: the current one, or the last finite one once diverged. */
  get shownLine() {
    if (this.current) return { step: this.current.step, weights: this.current.weights };
    for (let i = this.history.length - 1; i >= 0; i -= 1) {
      const { step, weights_before: w } = this.history[i];
      if (w.b !== null && w.m !== null) return { step: step - 1, weights: w };
    }
    return { step: 0, weights: this.run.initial_weights };
  }
}
