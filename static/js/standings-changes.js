// A board's results after a broadcast that carries `results_changes` (docs/api.md, "Boards and
// their snapshots"): the rows that changed since the version `base`, and the rows' order when it
// moved. The server's rules are competition/standings/changes.py; this is the browser's copy.

// The results held at `changes.base` with the changes applied, or null when they cannot be
// (another number of groups): the caller then reads the whole snapshot over HTTP.
export function applyChanges(results, changes) {
  if (!results || !Array.isArray(results.groups) || !Array.isArray(changes.groups)) return null;
  if (results.groups.length !== changes.groups.length) return null;
  const groups = [];
  for (let i = 0; i < changes.groups.length; i += 1) {
    const held = results.groups[i];
    const change = changes.groups[i];
    const rows = new Map(held.results.map((row) => [row.competitor, row]));
    for (const row of change.changed || []) rows.set(row.competitor, row);
    const order = change.order || held.results.map((row) => row.competitor);
    if (!order.every((code) => rows.has(code))) return null;
    const { changed: _changed, order: _order, ...group } = change;
    groups.push({ ...group, results: order.map((code) => rows.get(code)) });
  }
  const { groups: _groups, base: _base, ...rest } = changes;
  return { ...rest, groups };
}
