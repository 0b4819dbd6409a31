// `/runs/{id}?step=k` opens the run at step k. As the timeline moves, the address bar follows
// (replaceState: Back still leaves the page rather than stepping through the timeline), and the
// share link can point at the step shown.

import { t } from "./i18n.js";
import { setShareLink } from "./view.js";

const $ = (id) => document.getElementById(id);

const STEP_PARAM = "step";
// Browsers throttle (and warn about) more than a few hundred replaceState calls in seconds;
// a timeline dragged or a run streaming would make that many.
const ADDRESS_INTERVAL_MS = 300;

/**
 * The step `?step=` in `search` asks for: {step, asked, valid}. Anything but a whole number from
 * 0 to `lastStep` is not valid and gives the last step.
 */
export function linkedStep(search, lastStep) {
  const asked = new URLSearchParams(search).get(STEP_PARAM);
  if (asked === null) return { step: lastStep, asked, valid: true };
  const step = /^\d+$/.test(asked) ? Number(asked) : NaN;
  return step <= lastStep ? { step, asked, valid: true } : { step: lastStep, asked, valid: false };
}

export class StepLink {
  constructor(state) {
    this.state = state;
    this.checkbox = $("share-step");
    this.label = $("share-step-label");
    this.timer = null;
    this.writtenAt = 0;
    this.checkbox.addEventListener("change", () => this.render());
  }

  /** Move to the step the address asks for; returns what to tell the learner ("" if all is well). */
  open() {
    const { step, asked, valid } = linkedStep(window.location.search, this.state.lastStep);
    this.state.moveTo(step);
    return valid ? "" : t("link.step_missing", { asked, last: this.state.lastStep });
  }

  /** The run's link, at step `k` when given. */
  linkTo(k) {
    const url = new URL(this.state.run.url, window.location.origin);
    if (k !== null) url.searchParams.set(STEP_PARAM, String(k));
    return url.href;
  }

  render() {
    const k = this.state.position;
    this.label.textContent = t("toolbar.share_step", { step: k });
    setShareLink(this.linkTo(this.checkbox.checked ? k : null));
    this.scheduleAddress();
  }

  scheduleAddress() {
    if (this.timer !== null) return;
    const wait = Math.max(0, this.writtenAt + ADDRESS_INTERVAL_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.writtenAt = performance.now();
      this.writeAddress();
    }, wait);
  }

  /**
   * `?step=k` while the timeline shows an earlier step; none while it follows the newest step,
   * which is what the address without it opens. Other parameters (?lang=) are kept.
   */
  writeAddress() {
    const url = new URL(window.location.href);
    if (this.state.following) url.searchParams.delete(STEP_PARAM);
    else url.searchParams.set(STEP_PARAM, String(this.state.position));
    if (url.href !== window.location.href) window.history.replaceState(window.history.state, "", url);
  }
}
