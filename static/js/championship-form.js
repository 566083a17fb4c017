// Championship settings: "reset to the WorldSkills defaults" and the Abilympics categories preset.
// The form works without this module; it only saves typing.
const form = document.querySelector("form.stacked");
const status = document.getElementById("policy-status");
const resetButton = document.getElementById("policy-defaults");
const kind = document.getElementById("kind");
const categories = document.getElementById("categories");

function say(message) {
  status.textContent = "";
  // a fresh text node so that screen readers announce a repeated message too
  window.setTimeout(() => { status.textContent = message; }, 50);
}

if (form && resetButton) {
  const defaults = JSON.parse(resetButton.dataset.defaults);
  resetButton.hidden = false;
  resetButton.addEventListener("click", () => {
    for (const name of ["scale", "judges_per_aspect", "tie_margin", "medallion_threshold",
      "medal_min_gold", "medal_min_silver", "medal_min_bronze"]) {
      const field = form.elements.namedItem(name);
      if (field) field.value = defaults[name] === null ? "" : String(defaults[name]);
    }
    say(resetButton.dataset.done);
  });
}

if (kind && categories) {
  kind.addEventListener("change", () => {
    if (kind.value === "abilympics" && !categories.value.trim()) {
      categories.value = categories.dataset.abilympics.split(",").join(", ");
      say(categories.dataset.filled);
    }
  });
}
