// The teacher's assignment link: the settings filled in, and the ones ticked as locked, as
// `/new?lr=0.01&optimizer=adam&lock=lr,optimizer`. The server checks the link when a student
// opens it.

/** The link on `origin` for `fields` ([name, value] pairs; empty values left out) and `locks`. */
export function assignmentLink(origin, fields, locks) {
  const params = new URLSearchParams();
  for (const [name, value] of fields) {
    if (value.trim() !== "") params.set(name, value.trim());
  }
  if (locks.length > 0) params.set("lock", locks.join(","));
  const query = params.toString().replaceAll("%2C", ","); // Commas read better in a link.
  return `${origin}/new${query ? `?${query}` : ""}`;
}
