// The teacher's assignment link: the settings filled in, and the ones ticked as locked, as
// `/new?lr=0.01&optimizer=adam&lock=lr,optimizer`. The server checks the link when a student
// opens it, and refuses settings the link's data would leave unused.

/** The settings of the sample's recipe: a preset other than "sample" makes its own points. */
export const RECIPE_SETTINGS = ["num_points", "noise", "x_min", "x_max"];

/** Whether the settings `fields` ([name, value] pairs) leave the recipe's settings in use. */
export function usesRecipe(fields) {
  const preset = fields.find(([name]) => name === "preset");
  const chosen = preset ? preset[1].trim() : "";
  return chosen === "" || chosen === "sample";
}

/**
 * The query of `fields` ([name, value] pairs; empty values left out, and the recipe's settings
 * left out beside a preset that would ignore them) and `locks`: `lr=0.01&lock=lr`. A new
 * assignment on /class is sent its settings so.
 */
export function assignmentQuery(fields, locks) {
  const params = new URLSearchParams();
  const recipe = usesRecipe(fields);
  for (const [name, value] of fields) {
    if (!recipe && RECIPE_SETTINGS.includes(name)) continue;
    if (value.trim() !== "") params.set(name, value.trim());
  }
  if (locks.length > 0) params.set("lock", locks.join(","));
  return params.toString().replaceAll("%2C", ","); // Commas read better in a link.
}

/** The link on `origin` for `fields` and `locks` (see assignmentQuery). */
export function assignmentLink(origin, fields, locks) {
  const query = assignmentQuery(fields, locks);
  return `${origin}/new${query ? `?${query}` : ""}`;
}
