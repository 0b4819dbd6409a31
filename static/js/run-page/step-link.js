// Links to the step shown. As the timeline moves, the address bar follows with `?step=k`
// (replaceState: Back still leaves the page rather than stepping through the timeline), and the
// share link points at the step shown while "share this step" is ticked.

import { $ } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { addressAt, linkedStep, stepLink } from "../model/step-address.js";
import { setShareLink } from "./toolbar.js";

// Browsers throttle (and warn about) more than a few hundred replaceState calls in seconds;
// a timeline dragged or a run streaming would make that many.
const ADDRESS_INTERVAL_MS = 300;

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

  render() {
    const k = this.state.position;
    this.label.textContent = t("toolbar.share_step", { step: k });
    setShareLink(stepLink(this.state.run.url, window.location.origin, this.checkbox.checked ? k : null));
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

  writeAddress() {
    const address = addressAt(window.location.href, this.state.following ? null : this.state.position);
    if (address !== window.location.href) window.history.replaceState(window.history.state, "", address);
  }
}
