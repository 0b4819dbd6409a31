// What the run page keeps besides the run itself (RunState): whether this browser may change
// the run, what is under way, and what the panels have drawn. One object, made by init() and
// handed to the modules that read or change it, so that no module keeps state of its own.

export class PageState {
  constructor({ viewOnly }) {
    /** A viewer replays, exports, compares and forks; only the run's owner changes it. */
    this.viewOnly = viewOnly;
    /** A step, a reset or the wait after Stop is under way: no other change starts. */
    this.busy = false;
    /** The step the timeline was last moved to, while a thinned history loads it. */
    this.timelineTarget = null;
    /** The timer that asks for the shown step's explanations once the timeline stops moving. */
    this.settleTimer = null;
    /** Functions (state, details) → traces drawn over the fit plot by other modules. */
    this.fitLayers = [];
    /** What the loss chart holds, so that new steps can be appended instead of redrawn. */
    this.drawnLoss = { steps: 0, whole: false, axis: "linear", traces: 0 };
    /** The divergence explained on screen ("kind:step:run"), or null. */
    this.shownDivergence = null;
  }
}
