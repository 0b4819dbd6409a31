// The learner's own points on the fit plot. In "Edit points" mode a click on empty plot area
// adds a point, dragging a point moves it, and Shift-click, Delete or "Remove point" removes the
// selected one. Edits never change the run shown (its history belongs to its points): a banner
// offers a new run with them, and the old run stays at its link.
//
// Plotly cannot drag points, so pointer events on the chart are taken before Plotly sees them
// (capture phase) and converted between pixels and data with the chart's axes.

import { dataToPixel, eventToData, isDrawn, pointedData } from "../charts/plot-coords.js";
import { $ } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

const HIT_RADIUS_PX = { mouse: 12, pen: 12, touch: 24 }; // A finger covers more than a cursor.
const DRAG_THRESHOLD_PX = 3; // Less movement than this is a click, not a drag.
const EDITED_COLOR = "#56B4E9"; // Okabe–Ito sky blue, beside the run's own blue points.
const OUTLINE = "#1d2733";
// Events Plotly would turn into a zoom, a pan or a double-click reset while points are edited.
const PLOTLY_GESTURES = ["mousedown", "touchstart", "click", "dblclick"];

const isTextField = (target) => target.closest?.("input, textarea, select, [contenteditable]");

export class DataEditor {
  /**
   * `onChange(points)` after every edit; `onCreate(points)` starts a run (may throw);
   * `drawFit()` redraws the fit plot, with traces() on it.
   */
  constructor(state, { onChange, onCreate, drawFit }) {
    this.state = state;
    this.onChange = onChange;
    this.onCreate = onCreate;
    this.drawFit = drawFit;
    this.chart = $("fit-chart");
    this.editing = false;
    this.selected = null;
    this.drag = null;
    this.redrawPending = false;
    this.discard();
    this.wire();
  }

  /** Back to the run's own points. Each remembers which of the run's points it was. */
  discard() {
    const { x, y } = this.state.run.points;
    this.points = x.map((xi, i) => ({ x: xi, y: y[i], origin: i }));
    this.moved = new Set();
    this.removed = 0;
    this.selected = null;
  }

  /** Points added, moved or removed since the run's own. */
  get editedCount() {
    return this.points.filter((p) => p.origin === null).length + this.moved.size + this.removed;
  }

  /** The points as POST /api/runs takes them. */
  pointsForRun() {
    return this.points.map(({ x, y }) => ({ x, y }));
  }

  wire() {
    $("edit-points").addEventListener("click", () => this.setEditing(!this.editing));
    $("remove-point").addEventListener("click", () => this.removeSelected());
    $("edited-discard").addEventListener("click", () => {
      this.discard();
      this.changed();
    });
    $("edited-run").addEventListener("click", () => this.createRun());
    this.chart.addEventListener("pointerdown", (event) => this.pointerDown(event), { capture: true });
    this.chart.addEventListener("pointermove", (event) => this.pointerMove(event), { capture: true });
    this.chart.addEventListener("pointerup", (event) => this.pointerUp(event), { capture: true });
    this.chart.addEventListener("pointercancel", (event) => this.pointerUp(event), { capture: true });
    for (const type of PLOTLY_GESTURES) {
      this.chart.addEventListener(type, (event) => this.ownsEvent(event) && event.stopPropagation(), { capture: true });
    }
    document.addEventListener("keydown", (event) => {
      if (!this.editing || this.selected === null || isTextField(event.target)) return;
      if (event.key === "Delete" || event.key === "Backspace") {
        event.preventDefault();
        this.removeSelected();
      }
    });
  }

  setEditing(editing) {
    this.editing = editing;
    if (!editing) this.selected = null;
    $("edit-points").setAttribute("aria-pressed", String(editing));
    $("edit-hint").hidden = !editing;
    $("remove-point").hidden = !editing;
    this.chart.classList.toggle("editing", editing);
    this.changed();
  }

  /** Whether an event is the editor's: in edit mode, on the plot area, not on Plotly's toolbar or legend. */
  ownsEvent(event) {
    if (!this.editing || !isDrawn(this.chart)) return false;
    if (event.target.closest?.(".modebar, .legend")) return false;
    const where = event.touches ? event.touches[0] : event;
    return where !== undefined && eventToData(this.chart, where).inside;
  }

  /** The index of the point under the pointer, or null. */
  pointAt(event) {
    const { px, py } = eventToData(this.chart, event);
    const radius = HIT_RADIUS_PX[event.pointerType] ?? HIT_RADIUS_PX.mouse;
    let nearest = null;
    let nearestDistance = radius;
    this.points.forEach((point, index) => {
      const pixel = dataToPixel(this.chart, point.x, point.y);
      const distance = Math.hypot(pixel.px - px, pixel.py - py);
      if (distance <= nearestDistance) {
        nearest = index;
        nearestDistance = distance;
      }
    });
    return nearest;
  }

  pointerDown(event) {
    if (event.button !== 0 || !this.ownsEvent(event)) return;
    // preventDefault also stops the mouse events Plotly listens to.
    event.preventDefault();
    event.stopPropagation();
    let index = this.pointAt(event);
    if (index !== null && event.shiftKey) {
      this.remove(index);
      return;
    }
    if (index === null) {
      const where = pointedData(this.chart, event);
      this.points.push({ x: where.x, y: where.y, origin: null });
      index = this.points.length - 1;
    }
    this.selected = index;
    this.drag = { index, pointerId: event.pointerId, startX: event.clientX, startY: event.clientY, moving: false };
    this.chart.setPointerCapture(event.pointerId);
    this.changed();
  }

  pointerMove(event) {
    if (!this.editing) return;
    if (!this.drag) {
      // Over a point, the cursor offers to grab it.
      const over = this.ownsEvent(event) && this.pointAt(event) !== null;
      this.chart.classList.toggle("over-point", over);
      return;
    }
    if (event.pointerId !== this.drag.pointerId) return;
    event.preventDefault();
    event.stopPropagation();
    const distance = Math.hypot(event.clientX - this.drag.startX, event.clientY - this.drag.startY);
    if (!this.drag.moving && distance < DRAG_THRESHOLD_PX) return;
    this.drag.moving = true;
    const point = this.points[this.drag.index];
    const where = pointedData(this.chart, event);
    point.x = where.x;
    point.y = where.y;
    if (point.origin !== null) this.moved.add(point.origin);
    this.redraw();
  }

  pointerUp(event) {
    if (!this.drag || event.pointerId !== this.drag.pointerId) return;
    const moved = this.drag.moving;
    this.drag = null;
    if (this.chart.hasPointerCapture(event.pointerId)) this.chart.releasePointerCapture(event.pointerId);
    if (moved) this.changed();
  }

  remove(index) {
    const [point] = this.points.splice(index, 1);
    if (point.origin !== null) {
      this.moved.delete(point.origin);
      this.removed += 1;
    }
    this.selected = null;
    this.changed();
  }

  removeSelected() {
    if (this.selected !== null) this.remove(this.selected);
  }

  /** After an edit: the banner, the Remove button, the settings form, and the plot. */
  changed() {
    const n = this.editedCount;
    $("edited-banner").hidden = n === 0;
    $("edited-count").textContent = n === 1 ? t("editor.edited_one") : t("editor.edited", { n });
    $("remove-point").disabled = this.selected === null;
    this.showError("");
    this.onChange(this.pointsForRun());
    this.redraw();
  }

  /** Redraw the fit plot on the next frame, once however many pointer events arrive. */
  redraw() {
    if (this.redrawPending) return;
    this.redrawPending = true;
    requestAnimationFrame(() => {
      this.redrawPending = false;
      this.drawFit();
    });
  }

  /** The edited points as a trace over the fit plot; the selected one outlined heavily. */
  traces() {
    if (!this.editing && this.editedCount === 0) return [];
    const outline = (selected, other) => this.points.map((_, i) => (i === this.selected ? selected : other));
    return [
      {
        name: t("chart.edited_points"),
        type: "scatter",
        mode: "markers",
        x: this.points.map((p) => p.x),
        y: this.points.map((p) => p.y),
        marker: {
          color: EDITED_COLOR,
          size: outline(16, 12),
          line: { color: OUTLINE, width: outline(3.5, 1.5) },
        },
        hovertemplate: "x %{x:.4g}<br>y %{y:.4g}<extra></extra>",
      },
    ];
  }

  async createRun() {
    const button = $("edited-run");
    button.disabled = true;
    try {
      await this.onCreate(this.pointsForRun());
    } catch (error) {
      this.showError(error.message);
      button.disabled = false;
    }
  }

  showError(text) {
    $("edited-error").textContent = text;
    $("edited-error").hidden = text === "";
  }
}
