// The compare page's state: the runs compared, in the order added, each with the slot that
// picks its colour and dash; and the address (?runs=a,b,…) that shares the comparison.
// An entry is {id, slot, name, state (a RunState once loaded), error (why it could not be)}.

import { t } from "../lib/i18n.js";

const RUN_ID = /^[A-Za-z0-9_-]+$/;
const RUN_LINK = /\/runs\/([A-Za-z0-9_-]+)/;

export class Comparison {
  constructor(maxRuns) {
    this.maxRuns = maxRuns;
    this.entries = [];
    this.leftOut = 0; // Ids of the opened link beyond the cap.
    this.checking = new Set(); // Ids picked or pasted, asked for, not yet added or refused.
  }

  /** Open the runs a link names: the first `maxRuns` are added, the others counted as left out. */
  open(ids) {
    this.leftOut = Math.max(0, ids.length - this.maxRuns);
    return ids.slice(0, this.maxRuns);
  }

  get loaded() {
    return this.entries.filter((entry) => entry.state);
  }

  get full() {
    return this.entries.length + this.checking.size >= this.maxRuns;
  }

  /** Whether a run is still on its way: neither drawn nor said why it cannot be. */
  get loading() {
    return this.checking.size > 0 || this.entries.some((entry) => !entry.state && !entry.error);
  }

  get ids() {
    return this.entries.map((entry) => entry.id);
  }

  /** Why run `id` cannot be added, "already" or "full"; null if it can. */
  refusal(id) {
    if (this.checking.has(id) || this.entries.some((entry) => entry.id === id)) return "already";
    return this.full ? "full" : null;
  }

  /**
   * A run picked or pasted (refusal(id) must be null) is looked for before it joins: `find(id)`
   * resolves to its state, or rejects. Resolves to the entry added, or rejects with the reason
   * and adds nothing, so a run that does not exist never joins the comparison or its address.
   */
  async check(id, find) {
    this.checking.add(id);
    let state;
    try {
      state = await find(id);
    } finally {
      this.checking.delete(id);
    }
    const entry = this.add(id);
    entry.state = state;
    return entry;
  }

  /** Add run `id` (refusal(id) must be null) in the first slot no other run holds. */
  add(id) {
    const used = new Set(this.entries.map((entry) => entry.slot));
    const slot = [...Array(this.maxRuns).keys()].find((free) => !used.has(free));
    const entry = { id, slot, name: "", state: null, error: null };
    this.entries.push(entry);
    return entry;
  }

  /** Take run `id` out; the entry removed, or null if it was not there. */
  remove(id) {
    const index = this.entries.findIndex((entry) => entry.id === id);
    return index < 0 ? null : this.entries.splice(index, 1)[0];
  }

  /** The address changed: the link's extra ids no longer matter. */
  changed() {
    this.leftOut = 0;
  }

  /** Number the runs as listed ("Run 2"); each keeps its slot's colour while others come and go. */
  nameEntries() {
    this.entries.forEach((entry, i) => {
      entry.name = t("compare.run_n", { n: i + 1 });
    });
  }

  /** What the page says about the comparison as a whole ("" when all is well). */
  statusText() {
    if (this.leftOut) return t("compare.too_many", { max: this.maxRuns, n: this.leftOut });
    if (this.entries.filter((entry) => !entry.error).length < 2) return t("compare.need_two");
    return "";
  }
}

/** A run's id from what was pasted: its page's link, its API link, or the id itself; else null. */
export function parseRunId(text) {
  const value = text.trim();
  const link = RUN_LINK.exec(value);
  if (link) return link[1];
  return RUN_ID.test(value) ? value : null;
}

/** The query of the comparison of `ids`, `?runs=a,b&…`, keeping the other parameters of `search`. */
export function comparisonQuery(search, ids) {
  const params = new URLSearchParams(search);
  params.delete("runs");
  const runs = ids.map((id) => encodeURIComponent(id)).join(",");
  const query = [runs && `runs=${runs}`, params.toString()].filter(Boolean).join("&");
  return query ? `?${query}` : "";
}

/** The query of a language link: `search` with `lang` set, its commas left readable. */
export function languageQuery(search, lang) {
  const choice = new URLSearchParams(search);
  choice.set("lang", lang);
  return choice.toString().replaceAll("%2C", ",");
}

const samePoints = (a, b) =>
  a.x.length === b.x.length && a.x.every((x, i) => x === b.x[i] && a.y[i] === b.y[i]);

/** The runs grouped by the points they fit, in order: runs of one group share a loss surface. */
export function dataGroups(runs) {
  const groups = [];
  for (const run of runs) {
    const group = groups.find((other) => samePoints(other[0].state.run.points, run.state.run.points));
    if (group) group.push(run);
    else groups.push([run]);
  }
  return groups;
}
