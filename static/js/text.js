// Text helpers shared by the screens' modules.

// "{n} of {total}" with the values put in; a placeholder without a value stays as it is.
export function format(template, values = {}) {
  return (template || "").replace(/\{(\w+)\}/g, (whole, name) => (
    Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole));
}

// A name given in several languages ({ru, kk, en}): the one in `lang`, else the first there is.
export function pickName(names, lang) {
  if (names === null || names === undefined) return "";
  if (typeof names === "string") return names;
  return names[lang] || names.ru || names.kk || names.en || "";
}
