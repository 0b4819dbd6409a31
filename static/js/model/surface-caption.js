// What the loss surface shows, in words under it: what the arrows are for the run's optimizer,
// with TensorFlow's numbers, and why the window is where it is.

import { formatCount, formatNumber } from "../lib/format.js";
import { t } from "../lib/i18n.js";
import { COORDINATE_LIMIT } from "./weight-path.js";

const move = (from, to) => ({ db: formatNumber(to.b - from.b), dm: formatNumber(to.m - from.m) });

/**
 * The caption's paragraphs for a run with `config`: what the arrows are, the moves they draw
 * (`update` from nextUpdate, or null), and a note on the window `frame` (surfaceFrame's).
 */
export function surfaceCaption(config, update, frame) {
  const lines = [t(`surface.arrow.${config.optimizer}`, { optimizer: config.optimizer_class })];
  if (config.batch_size) lines.push(t("surface.arrow.minibatch"));
  if (update) {
    lines.push(t("surface.arrow.move", { step: update.step, ...move(update.from, update.to) }));
    if (update.gradientStep) lines.push(t("surface.arrow.plain_move", move(update.from, update.gradientStep)));
  }
  if (frame && frame.beyond) {
    const { step, last } = frame.beyond;
    lines.push(
      t("surface.beyond_limit", {
        limit: formatCount(COORDINATE_LIMIT),
        step,
        last: last.step,
        b: formatNumber(last.b),
        m: formatNumber(last.m),
      }),
    );
  } else if (frame && frame.zoomedOut) {
    lines.push(t("surface.zoomed_out"));
  }
  // The first line says what the arrow is; here none is drawn, and the page says why.
  if (!update) lines.push(t("surface.arrow.none"));
  return lines;
}
