// Small DOM helpers of the tablet's page (grid.js, panel.js): drawn icons, so that no state
// depends on an emoji font, and text spans (always textContent, never markup from data).

const SVG = "http://www.w3.org/2000/svg";

const ICONS = {
  dash: '<path d="M6 12h12"/>',
  check: '<path d="M4.5 12.5l5 5L19.5 7"/>',
  clock: '<circle cx="12" cy="12" r="8.5"/><path d="M12 7v5.5l3.5 2"/>',
  warn: '<path d="M12 3.5L2.5 20h19z"/><path d="M12 10v4.5M12 17.2v.3"/>',
  cross: '<path d="M6 6l12 12M18 6L6 18"/>',
  ban: '<circle cx="12" cy="12" r="8.5"/><path d="M6 18L18 6"/>',
  lock: '<rect x="5" y="10.5" width="14" height="10" rx="1.5"/><path d="M8 10.5V7.5a4 4 0 018 0v3"/>',
  flag: '<path d="M5 21V4M5 4h11l-2 4 2 4H5"/>',
};

export function icon(name) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.classList.add("icon", `icon-${name}`);
  svg.innerHTML = ICONS[name]; // constant markup, never data
  return svg;
}

export function span(className, text) {
  const node = document.createElement("span");
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export const byId = (id) => document.getElementById(id);
